"""The state of each module's translation, for `flask content status` and the admin page."""

from dataclasses import dataclass

from curriculum.content.model import Catalog, Text


@dataclass(frozen=True)
class ModuleStatus:
    """Counts and translation state of one module."""

    key: str
    title: Text
    lessons_en: int
    lessons_km: int
    questions_en: int
    questions_km: int
    en_words: int
    km_chars: int
    stale: tuple[str, ...]  # files whose Khmer translates an older English text
    draft: tuple[str, ...]  # files whose Khmer awaits a native speaker's review
    reviewers: tuple[str, ...]


def content_status(catalog: Catalog) -> list[ModuleStatus]:
    """Return the translation status of every module and its quiz."""
    rows = []
    for module in catalog.modules:
        quiz = catalog.quiz(module.quiz_key)
        files = [(module.path, module.translation)]
        files += [(lesson.path_km, lesson.translation) for lesson in module.lessons]
        if quiz:
            files.append((quiz.path, quiz.translation))
        questions = quiz.questions if quiz else ()
        rows.append(
            ModuleStatus(
                key=module.key,
                title=module.title,
                lessons_en=sum(1 for lesson in module.lessons if lesson.html.en),
                lessons_km=sum(1 for lesson in module.lessons if lesson.html.km),
                questions_en=sum(1 for q in questions if q.text.en),
                questions_km=sum(1 for q in questions if q.text.km),
                en_words=sum(lesson.en_words for lesson in module.lessons),
                km_chars=sum(lesson.km_chars for lesson in module.lessons),
                stale=tuple(path for path, t in files if t.stale),
                draft=tuple(path for path, t in files if t.review != "reviewed"),
                reviewers=tuple(sorted({t.reviewer for _, t in files if t.reviewer})),
            )
        )
    return rows
