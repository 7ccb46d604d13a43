"""One name, one person: the cast list in modules/README.md is complete and has no clashes."""

import re

from curriculum.config import ROOT

GROUP_FILES = {
    "Modules 01 (gender norms) and 02 (masculinity)": ("01-", "02-"),
    "Modules 03 (understanding DV) and 04 (the DV law)": ("03-", "04-"),
    "Modules 05 (responding safely) and 06 (police response)": ("05-", "06-"),
    "Modules 07 (local leaders) and 08 (health response)": ("07-", "08-"),
    "Module 09 (CMG members)": ("09-",),
    "Quizzes and knowledge tests": ("quizzes/",),
}


def cast() -> dict[str, str]:
    """Return {Latin name: group heading} from the README's cast tables."""
    text = (ROOT / "modules" / "README.md").read_text("utf-8")
    section = text.split("## Cast list", 1)[1]
    names: dict[str, str] = {}
    group = ""
    for line in section.split("\n"):
        if line.startswith("### "):
            group = line[4:].strip()
        match = re.match(r"\| ([A-Z][a-z]+(?: [A-Z][a-z]+)?) \((?:m|f)\) \|", line)
        if match:
            assert match.group(1) not in names, f"{match.group(1)} is in two tables"
            names[match.group(1)] = group
    return names


def content_files():
    for path in sorted((ROOT / "modules").glob("*/*.en.md")):
        yield f"{path.parent.name}/{path.name}", path.read_text("utf-8")
    for path in sorted((ROOT / "quizzes").glob("*.toml")):
        yield f"quizzes/{path.name}", path.read_text("utf-8")


def test_every_group_of_the_cast_list_is_known():
    assert set(cast().values()) == set(GROUP_FILES)


def test_each_name_appears_only_in_its_own_group_of_files():
    wrong = []
    for name, group in cast().items():
        pattern = re.compile(rf"\b{name}\b")
        for where, text in content_files():
            if pattern.search(text) and not where.startswith(GROUP_FILES[group]):
                wrong.append(f"{name} ({group}) appears in {where}")
    assert wrong == []
