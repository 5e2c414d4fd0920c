"""The Mistral URL as people paste it works against a real Mistral 23."""

import json

import pytest

from tests.harness.clients import run
from tests.harness.clients import Tool


@pytest.mark.parametrize('suffix', ['', '/', '/v2/'])
def test_mistral_url_with_or_without_v2(single_mistral, suffix):
    tool = Tool(single_mistral, 'api')
    root = single_mistral.url[:-len('/v2')]
    env = dict(tool.env(), OS_MISTRAL_URL=root + suffix)
    result = run(tool.argv() + ['register', '--dry-run', '-f', 'json'], env,
                 check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
