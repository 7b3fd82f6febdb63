"""jsonschema's IRI grammars are compiled on first use, not on import, and still give the library's answers."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
import workbench
import altair, papermill, jsonschema
compiled_on_import = "rfc3987_syntax.syntax_helpers" in sys.modules
checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
answers = [checker.conforms("https://example.org/caf\\u00e9", "iri"), checker.conforms("not an iri", "iri"),
           checker.conforms("../a b", "iri-reference"), checker.conforms("../ab", "iri-reference")]
import rfc3987_syntax
print(compiled_on_import, answers, "syntax_helpers" in rfc3987_syntax.__file__ or
      hasattr(rfc3987_syntax, "RFC3987_SYNTAX_TERMS"))
"""


@pytest.mark.slow
def test_importing_workbench_defers_the_iri_grammars_and_checks_still_answer() -> None:
    shown = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout.split()
    assert shown[0] == "False"  # nothing compiled while altair, papermill and jsonschema were imported
    assert " ".join(shown[1:5]) == "[True, False, False, True]"  # the real checker's answers
    assert shown[5] == "True"  # the name now holds the real module
