"""3+3 decisions (Storer 1989), one case per branch."""
import pytest

from cdisc.derive.escalation import CLEARED, ENROLLING, ESCALATE, EXPAND, STOP, decide_3plus3


@pytest.mark.parametrize(
    ("evaluable", "dlt", "highest", "decision"),
    [(2, 0, False, ENROLLING), (3, 0, False, ESCALATE), (3, 1, False, EXPAND), (5, 1, False, EXPAND),
     (6, 1, False, ESCALATE), (6, 1, True, CLEARED), (3, 2, False, STOP), (6, 2, False, STOP), (2, 2, False, STOP)],
)
def test_decide_3plus3_follows_the_rule(evaluable, dlt, highest, decision):
    """0/3 or <= 1/6 opens the next group, 1/3 expands, >= 2 stops."""
    assert decide_3plus3(evaluable, dlt, highest=highest) == decision


def test_decide_3plus3_refuses_impossible_counts():
    with pytest.raises(ValueError, match="impossible"):
        decide_3plus3(3, 4)
