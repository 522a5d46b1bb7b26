"""Blueprint arithmetic: can a profile's draw rules be filled by the bank, and drawing a paper."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from exam.analysis.exposure import exposure_order
from exam.banks.profile import DrawRule, Profile, Section
from exam.questions.base import Issue, QuestionBase


def assign(pools: Sequence[Sequence[str]], counts: Sequence[int]) -> list[list[str]]:
    """Distinct question ids per rule (maximum matching); a rule's list may fall short of its count."""
    slots = [rule for rule, count in enumerate(counts) for _ in range(count)]
    owner: dict[str, int] = {}

    def augment(slot: int, seen: set[str]) -> bool:
        for qid in pools[slots[slot]]:
            if qid in seen:
                continue
            seen.add(qid)
            if qid not in owner or augment(owner[qid], seen):
                owner[qid] = slot
                return True
        return False

    for slot in range(len(slots)):
        augment(slot, set())
    picked: list[list[str]] = [[] for _ in counts]
    for qid, slot in owner.items():
        picked[slots[slot]].append(qid)
    return picked


def fillable(pools: Sequence[Sequence[str]], counts: Sequence[int]) -> int:
    """How many of the requested questions can be filled with distinct questions."""
    return sum(len(ids) for ids in assign(pools, counts))


def pool(rule: DrawRule, questions: Mapping[str, QuestionBase]) -> list[str]:
    """Ids of the active questions ``rule`` may draw, in bank order."""
    return [qid for qid, question in questions.items() if rule.matches(question)]


def draw(
    profile: Profile,
    questions: Mapping[str, QuestionBase],
    rng: random.Random,
    exposure: Mapping[str, int] | None = None,
    strength: float = 1.0,
) -> list[tuple[Section, list[str]]]:
    """A random paper: per section, distinct question ids in rule order; ValueError if the bank is too small.

    With ``exposure`` (papers that showed each question so far) each pool is ordered by weighted random
    sampling that prefers less-exposed questions (``exam.analysis.exposure.exposure_order``); every
    question keeps a chance, and a seeded ``rng`` gives the same paper for the same counts.
    """
    rules = [(section, rule) for section in profile.sections for rule in section.draw]
    pools = []
    for _, rule in rules:
        ids = pool(rule, questions)
        if exposure is None:
            rng.shuffle(ids)
        else:
            ids = exposure_order(ids, exposure, rng, strength)
        pools.append(ids)
    counts = [rule.count for _, rule in rules]
    picked = assign(pools, counts)
    if sum(map(len, picked)) < sum(counts):
        raise ValueError(
            f"the bank cannot fill profile {profile.id!r}: {sum(map(len, picked))} of {sum(counts)} questions available"
        )
    by_section: dict[str, list[str]] = {section.id: [] for section in profile.sections}
    for (section, _), ids in zip(rules, picked):
        rng.shuffle(ids)
        by_section[section.id].extend(ids)
    return [(section, by_section[section.id]) for section in profile.sections]


def profile_issues(
    profile: Profile, questions: Mapping[str, QuestionBase], invalid_ids: frozenset[str] = frozenset()
) -> list[Issue]:
    """Problems of ``profile`` against the bank: unknown names, empty topics, rules the bank cannot fill.

    ``invalid_ids`` are questions that exist but failed validation (already reported; not repeated).
    """
    issues: list[Issue] = []
    active = [q for q in questions.values() if q.status == "active"]
    all_pools: list[list[str]] = []
    all_counts: list[int] = []
    rules_ok = True
    for s_index, section in enumerate(profile.sections):
        pools: list[list[str]] = []
        section_ok = True
        for r_index, rule in enumerate(section.draw):
            loc = ("sections", s_index, "draw", r_index)
            label = f"section {section.id!r} draw rule {r_index + 1}"
            for q_index, qid in enumerate(rule.questions or []):
                question = questions.get(qid)
                if question is None and qid in invalid_ids:
                    continue
                if question is None:
                    issues.append(
                        Issue(loc + ("questions", q_index), f"{label} names question {qid!r}, which is not in the bank")
                    )
                elif question.type != rule.type:
                    issues.append(
                        Issue(
                            loc + ("questions", q_index),
                            f"{label} names question {qid!r}, which is a {question.type} question, not {rule.type}",
                        )
                    )
                elif question.status != "active":
                    issues.append(
                        Issue(loc + ("questions", q_index), f"{label} names question {qid!r}, which is retired")
                    )
            for t_index, topic in enumerate(rule.topics or []):
                if not any(q.type == rule.type and topic in q.topics for q in active):
                    issues.append(
                        Issue(
                            loc + ("topics", t_index),
                            f"{label} names topic {topic!r}, but no active {rule.type} question has it",
                        )
                    )
            ids = pool(rule, questions)
            if len(ids) < rule.count:
                section_ok = False
                issues.append(
                    Issue(
                        loc + ("count",),
                        f"{label} asks for {rule.count} questions ({rule.describe()}) "
                        f"but the bank holds only {len(ids)} active ones that match",
                    )
                )
            pools.append(ids)
        counts = [rule.count for rule in section.draw]
        if section_ok:
            filled = fillable(pools, counts)
            if filled < sum(counts):
                section_ok = False
                issues.append(
                    Issue(
                        ("sections", s_index, "draw"),
                        f"section {section.id!r} asks for {sum(counts)} questions, but its draw rules overlap "
                        f"and only {filled} distinct active questions can fill them",
                    )
                )
        rules_ok = rules_ok and section_ok
        all_pools += pools
        all_counts += counts
    if rules_ok:
        filled = fillable(all_pools, all_counts)
        if filled < sum(all_counts):
            issues.append(
                Issue(
                    ("sections",),
                    f"asks for {sum(all_counts)} questions on a paper, but its sections overlap "
                    f"and only {filled} distinct active questions can fill them",
                )
            )
    issues += _input_issues(profile, active)
    return issues


def _input_issues(profile: Profile, active: list[QuestionBase]) -> list[Issue]:
    """Inputs naming topics or rubric criteria that no active question carries."""
    criterion_ids = {
        getattr(c, "id", None)
        for q in active
        if q.type == "reply"
        for c in getattr(getattr(q, "rubric", None), "criteria", [])
    }
    topics = {t for q in active for t in q.topics}
    issues: list[Issue] = []
    inputs = [(("criteria", i, "input"), c.input) for i, c in enumerate(profile.criteria)]
    inputs += [(("hard_requirements", i, "input"), r.input) for i, r in enumerate(profile.hard_requirements)]
    for loc, value in inputs:
        parts = value.split(".")
        if len(parts) != 3:
            continue
        if parts[1] == "criterion" and parts[2] not in criterion_ids:
            issues.append(
                Issue(
                    loc,
                    f"input {value!r} names rubric criterion {parts[2]!r}, which no active reply question's rubric has",
                )
            )
        if parts[1] == "topic" and parts[2] not in topics:
            issues.append(Issue(loc, f"input {value!r} names topic {parts[2]!r}, which no active question has"))
    return issues
