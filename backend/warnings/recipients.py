"""Who a warning reaches: the responsible persons of its targeted grids (a subtree target reaches every grid
below it too), counted per target and deduplicated across targets; and who a change concerns."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.models import Grid, Person, person_grid

Target = tuple[int, bool]  # (grid id, with its subtree)

# Actions whose message goes to every person the warning reaches; widen and narrow concern only the grids they
# add or remove.
TELL_EVERYONE = frozenset({"issue", "raise", "approve_raise", "lower", "extend", "lift", "expire"})


@dataclass(frozen=True)
class GridRecipients:
    grid_id: int
    code: str
    name: str
    name_en: str
    subtree: bool
    person_ids: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.person_ids)


def _persons_by_target(session: Session, targets: Iterable[Target]) -> dict[int, set[int]]:
    targets = dict(targets)
    if not targets:
        return {}
    grids = {g.id: g for g in session.scalars(select(Grid).where(Grid.id.in_(targets)))}
    within = [Grid.code.startswith(g.code + "-", autoescape=True) for g in grids.values() if targets[g.id]]
    rows = session.execute(select(person_grid.c.person_id, Grid.code).join(Grid, Grid.id == person_grid.c.grid_id)
                           .where(or_(Grid.id.in_(targets), *within)))
    found: dict[int, set[int]] = {grid_id: set() for grid_id in grids}
    for person_id, code in rows:
        for grid in grids.values():
            if code == grid.code or (targets[grid.id] and code.startswith(grid.code + "-")):
                found[grid.id].add(person_id)
    return found


def per_grid(session: Session, targets: Iterable[Target]) -> list[GridRecipients]:
    """Each target with the persons it reaches, in code order."""
    targets = dict(targets)
    found = _persons_by_target(session, targets.items())
    grids = session.scalars(select(Grid).where(Grid.id.in_(found)).order_by(Grid.code))
    return [GridRecipients(g.id, g.code, g.name, g.name_en, targets[g.id], tuple(sorted(found[g.id])))
            for g in grids]


def persons(session: Session, targets: Iterable[Target]) -> set[int]:
    """Everyone the targets reach, each once (one person may serve several grids)."""
    return set().union(*_persons_by_target(session, targets).values())


def affected(session: Session, action: str, before: Iterable[Target], after: Iterable[Target]) -> set[int]:
    """Who the message of `action` goes to: everyone reached after it (before it, for a lift) for a change of
    level, period or state; for widen, who the added targets newly reach; for narrow, who the removed targets
    reached and the remaining ones do not (they get the lifting; the others still have the warning)."""
    before, after = dict(before), dict(after)
    if action in ("lift", "expire"):
        return persons(session, before.items())
    if action in TELL_EVERYONE:
        return persons(session, after.items())
    kept, now = persons(session, ((g, s) for g, s in before.items())), persons(session, after.items())
    if action == "widen":
        return now - kept
    if action == "narrow":
        return kept - now
    return set()


def names(session: Session, person_ids: Iterable[int]) -> list[Person]:
    ids = sorted(set(person_ids))
    return list(session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id))) if ids else []
