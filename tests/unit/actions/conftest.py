import pytest

from mistral_actions.cloud import clients as cloud_clients
from tests.unit.actions import fakes


class Clients:
    """The fake client of each service, made on first use."""

    def __init__(self):
        self.made = {}
        self.contexts = []

    def make_client(self, service, context):
        self.contexts.append(context)
        if service not in self.made:
            self.made[service] = fakes.FAKES[service]()
        return self.made[service]

    @property
    def nova(self):
        return self.make_client('compute', None)

    @property
    def cinder(self):
        return self.make_client('block-storage', None)

    @property
    def glance(self):
        return self.make_client('image', None)


@pytest.fixture
def clients(monkeypatch):
    """Fake nova/cinder/glance clients behind cloud_clients.make_client."""
    fake = Clients()
    monkeypatch.setattr(cloud_clients, 'make_client', fake.make_client)
    return fake


@pytest.fixture
def context():
    return fakes.make_context()
