"""What a mapping module sees: the raw export, the spec, the protocol tables and the datasets built so far."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from cdisc.issues import Issue
from cdisc.raw import LINEAGE, RawStudy
from cdisc.spec.model import Codelist, Spec


@dataclass(frozen=True)
class DomainResult:
    """One dataset as a mapping module built it, still carrying raw lineage (`RAW_FORM`, `RAW_ROW`).

    `rejected`: raw rows deliberately not mapped, with a `REASON`.
    `used`: raw rows that fed records of this dataset without being their own record's lineage
    (e.g. the infusion row that gives DM.RFSTDTC).
    `issues`: data problems the builder found and flagged (reported in validation/issues.csv).
    """

    name: str
    data: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: empty_rejections())
    used: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(LINEAGE)))
    issues: tuple[Issue, ...] = ()

    def without_records(self) -> DomainResult:
        """This result with `data` emptied (its columns kept, no records, no memory shared with it): what the
        reconciliation and the issues read once the dataset is finalized, so that each mapped frame is freed as
        the build goes on (at 5,000 subjects they held 660 MB until the last SDTM dataset was done)."""
        return replace(self, data=pd.DataFrame(columns=self.data.columns))


def empty_rejections() -> pd.DataFrame:
    return pd.DataFrame(columns=[*LINEAGE, "REASON"])


@dataclass
class StudyContext:
    spec: Spec
    raw: RawStudy
    design_dir: Path
    done: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def studyid(self) -> str:
        return self.spec.study.studyid

    def codelist(self, cid: str) -> Codelist:
        return self.spec.codelist(cid)

    def design(self, name: str) -> pd.DataFrame:
        """A protocol table from `specs/<study>/design/<name>.csv`, all text."""
        return pd.read_csv(self.design_dir / f"{name}.csv", dtype=str, keep_default_na=False, na_filter=False)

    def dataset(self, name: str) -> pd.DataFrame:
        """A dataset finalized earlier in the run (mapping order is set in `mappings/im96/sdtm/__init__.py`)."""
        try:
            return self.done[name]
        except KeyError:
            raise KeyError(f"{name} is needed but has not been built yet; check the builder order") from None


# pandas 3 always copies on write; pandas 2 when asked to (a shallow copy there would share its data with changes)
COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True


@dataclass
class AnalysisContext:
    """What an ADaM builder sees: the spec, the finished SDTM datasets and the ADaM datasets built so far."""

    spec: Spec
    sdtm_data: dict[str, pd.DataFrame]
    design_dir: Path
    done: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def studyid(self) -> str:
        return self.spec.study.studyid

    def sdtm(self, name: str) -> pd.DataFrame:
        """A finished SDTM dataset, as a builder's own frame: under pandas' copy-on-write a shallow copy, whose
        data are copied only if the builder changes them (a deep copy of LB took a tenth of a second)."""
        return self.sdtm_data[name].copy(deep=not COPY_ON_WRITE)

    def adam(self, name: str) -> pd.DataFrame:
        """An ADaM dataset built earlier in the run, as `sdtm` gives an SDTM one."""
        try:
            return self.done[name].copy(deep=not COPY_ON_WRITE)
        except KeyError:
            raise KeyError(f"{name} is needed but has not been built yet; check the builder order") from None
