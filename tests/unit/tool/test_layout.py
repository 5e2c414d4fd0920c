"""Tables fitted to a width: names whole, other cells wrapped at spaces,
nothing lost."""

import prettytable
import pytest

from mistral_actions.tool import layout

ROWS = [
    ('int32bit.cinder.backups.create',
     'Back up a volume, incrementally when it already has a backup.',
     'volume_id, backup_name, snapshot_id=null, description=null, '
     'container=null, incremental=true, force=true'),
    ('int32bit.system.exec', 'Run a command.', 'cmd'),
]


COLUMNS = ('Name', 'Description', 'Input')


def drawn_width(rows):
    table = prettytable.PrettyTable(COLUMNS)
    table.add_rows(rows)
    return max(len(line) for line in table.get_string().splitlines())


@pytest.mark.parametrize('width', [80, 100])
def test_fits_the_width_keeping_names_and_every_word(width):
    assert drawn_width(ROWS) > width
    fitted = layout.fit(COLUMNS, ROWS, width)
    assert drawn_width(fitted) <= width
    assert [row[0] for row in fitted] == [row[0] for row in ROWS]
    for original, row in zip(ROWS, fitted):
        assert [cell.replace('\n', ' ') for cell in row[1:]] == \
            list(original[1:])


def test_a_narrow_column_gives_its_share_to_the_wide_one():
    fitted = layout.fit(COLUMNS, [('a.b', 'x', 'word ' * 40)], 60)
    assert drawn_width(fitted) <= 60
    assert fitted[0][1] == 'x'
    # 60 - borders - 'a.b' - 'Description' (its heading) leaves 30.
    assert max(len(line) for line in fitted[0][2].splitlines()) > 25


def test_names_and_long_words_are_never_cut():
    fitted = layout.fit(COLUMNS, ROWS, 20)
    assert [row[0] for row in fitted] == [row[0] for row in ROWS]
    assert 'incremental=true,' in fitted[0][2].splitlines()
