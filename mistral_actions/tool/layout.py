"""Tables that fit a terminal: long cells wrapped at spaces, names whole.

cliff's own ``--max-width`` cuts every column to the same share, names
included (``int32bit.cinder.backups.assert`` / ``_status``); an action name
is copied from the table, so it must stay on one line.
"""

import textwrap

#: Columns a default table may take: a terminal split in two still fits.
DEFAULT_WIDTH = 100

#: What prettytable draws around and between the cells of a row.
_BORDER_PER_COLUMN = 3
_BORDER_END = 1


def fit(columns: tuple, rows: list, width: int = DEFAULT_WIDTH) -> list:
    """Rows whose first cell (a name) stays whole and whose other cells
    are wrapped so that the drawn table is at most ``width`` columns wide
    (when the names and headings leave room for it); each wrapped column
    gets an equal share of that room, a narrow one giving what it does
    not use to the others."""
    if not rows:
        return rows
    room = width - _BORDER_END - _BORDER_PER_COLUMN * len(columns)
    room -= max(len(str(cell)) for cell in
                [columns[0]] + [row[0] for row in rows])
    longest = [max(len(str(cell)) for cell in
                   [columns[index]] + [row[index] for row in rows])
               for index in range(1, len(columns))]
    widths = _shares(longest, [len(name) for name in columns[1:]], room)
    return [(row[0],) + tuple(
        # A word longer than its column (a long default value) is left
        # whole: cut in two it could not be copied.
        '\n'.join(textwrap.wrap(str(cell), widths[index],
                                break_long_words=False,
                                break_on_hyphens=False))
        for index, cell in enumerate(row[1:])) for row in rows]


def _shares(longest: list, least: list, room: int) -> list:
    """Widths for columns of these longest cells within room, none below
    its least (its heading): the ones that fit an equal share keep their
    length."""
    widths = [0] * len(longest)
    left = sorted(range(len(longest)), key=lambda index: longest[index])
    while left:
        share = room // len(left)
        index = left.pop(0)
        widths[index] = max(least[index], min(longest[index], share))
        room -= widths[index]
    return widths
