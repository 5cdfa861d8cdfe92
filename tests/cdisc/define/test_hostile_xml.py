"""Every place that parses a define.xml given to us (reading it as a spec, checking it against the XSD, rendering
define.html) leaves an external entity unresolved: a define.xml naming a local file never pulls the file in (XXE)."""
from cdisc.define import validate_define
from cdisc.define.html import write_define_html
from cdisc.spec.define_xml import load_define
from tests.cdisc.define.test_build import built

SECRET = "TOP SECRET 4711"


def _hostile(tmp_path):
    """Our define.xml with a DOCTYPE declaring `&xxe;` as the content of a local file, used in a label."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    text = built(tmp_path).read_text()
    text = text.replace("<ODM ", f'<!DOCTYPE ODM [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<ODM ', 1)
    text = text.replace('<TranslatedText xml:lang="en">', '<TranslatedText xml:lang="en">&xxe;', 1)
    folder = tmp_path / "hostile"
    folder.mkdir()
    path = folder / "define.xml"
    path.write_text(text)
    assert "&xxe;" in text and SECRET not in text
    return path


def test_reading_a_define_as_a_spec_does_not_resolve_external_entities(tmp_path):
    spec = load_define(_hostile(tmp_path))
    assert len(spec.datasets) > 0
    assert SECRET not in repr(spec)


def test_schema_check_does_not_resolve_external_entities(tmp_path):
    """The check reports the entity as an error (no traceback) and never reads the file."""
    issues = validate_define(_hostile(tmp_path))
    assert [(i.severity, i.where) for i in issues] == [("error", "define.xml")]
    assert "entity" in issues[0].message and SECRET not in repr(issues)


def test_define_html_does_not_resolve_external_entities(tmp_path):
    html = write_define_html(_hostile(tmp_path)).read_bytes()
    assert len(html) > 1000
    assert SECRET.encode() not in html
