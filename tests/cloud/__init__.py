"""Cloud tests: the actions and examples inside a Mistral with keystone,
against a real cloud (`tests.harness.cloud_services`) the session starts."""
