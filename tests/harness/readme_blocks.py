"""The READMEs' examples, for the tests that run them as written."""

from pathlib import Path
import re
import shlex

ROOT = Path(__file__).resolve().parents[2]


def section(readme: str, heading: str) -> str:
    """The text of README ``readme`` from ``heading`` to the next ``##``."""
    text = (ROOT / readme).read_text()
    start = text.index(heading)
    return text[start:text.index('\n## ', start + 1)]


def blocks(text: str, language: str) -> list:
    """The fenced code blocks of ``language`` in text, in order."""
    return re.findall(r'```%s\n(.*?)```' % language, text, re.S)


def commands(readme: str, command: str) -> list:
    """The example lines of ``command`` (e.g. ``mistral-actions history``)
    in README ``readme``, each as its arguments after the program name."""
    lines = (ROOT / readme).read_text().splitlines()
    return [shlex.split(line)[1:] for line in lines
            if line.startswith('    %s' % command)]
