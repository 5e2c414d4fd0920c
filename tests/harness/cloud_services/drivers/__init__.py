"""Drivers and launchers that run inside the cloud's services."""

#: The name under `nova.virt` that `nova_compute` gives `fake_compute`.
FAKE_COMPUTE_MODULE = 'cloud_fake'
