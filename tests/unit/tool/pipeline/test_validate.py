"""Validation catches what Mistral would accept and then fail on."""

import pytest

from mistral_actions.tool.pipeline import validate as validation
from mistral_actions.tool import specs

GOOD = '''
from mistral_lib import actions


class Ping(actions.Action):
    """Ping."""

    __export__ = True

    def __init__(self, host, count=3, **kwargs):
        super().__init__()
        self.host = host

    def run(self, context):
        return self.host
'''


def spec_for(content, class_name='Ping', name='int32bit.net.ping'):
    module = specs.ModuleSpec('mistral_actions.net', '/x/net.py', content)
    return specs.ActionSpec(name, class_name, module, '', 'Ping.')


def test_good_module_passes():
    assert validation.validate([spec_for(GOOD)]) == []


@pytest.mark.parametrize('content,expected', [
    (GOOD + '\ndef broken(:\n', 'SyntaxError'),
    ('from . import helpers\n' + GOOD, 'ImportError'),
    (GOOD + '\nraise RuntimeError("boom at import")\n', 'boom at import'),
    (GOOD.replace('class Ping', 'class Pong'), 'class not found'),
    (GOOD.replace('(actions.Action)', '(object)'), 'does not subclass'),
    (GOOD.replace('def run(self, context)', 'def run(self)'),
     'exactly (self, context)'),
    (GOOD.replace('count=3', 'count=object()'), 'does not give back'),
    (GOOD.replace('count=3', 'count="a,b"'), 'does not give back'),
    (GOOD.replace('host, count=3', 'host, *args'), '*args'),
    (GOOD + '#' * validation.MAX_MODULE_BYTES, 'bytes'),
])
def test_problems_are_found(content, expected):
    problems = validation.validate([spec_for(content)])
    assert problems, 'expected a problem mentioning %r' % expected
    assert expected in '\n'.join(problems)


@pytest.mark.parametrize('name', ['int32bit.net.ping pong', 'int32bit/x',
                                  'int32bit.x?y', 'int32bit..x', '.x'])
def test_illegal_names(name):
    assert 'illegal action name' in '\n'.join(
        validation.validate([spec_for(GOOD, name=name)]))


def test_a_syntax_error_names_itself_the_file_and_the_line():
    content = GOOD + '\ndef broken(:\n'
    line = content.splitlines().index('def broken(:') + 1
    assert validation.validate([spec_for(content)]) == [
        "mistral_actions.net: SyntaxError in /x/net.py, line %d: invalid "
        "syntax; fix that line and run the command again" % line]


def test_module_is_loaded_fresh_not_from_sys_modules(monkeypatch):
    import sys
    import types
    cached = types.ModuleType('mistral_actions.net')
    cached.Ping = object
    monkeypatch.setitem(sys.modules, 'mistral_actions.net', cached)
    assert validation.validate([spec_for(GOOD)]) == []
