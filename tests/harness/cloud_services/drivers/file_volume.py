"""A Cinder volume driver whose volumes and snapshots are sparse files.

There is no LVM, device-mapper or iSCSI target on the test machines. A
volume here is a file; `initialize_connection` hands out its path with
`driver_volume_type = 'local'`, so os-brick's local connector gives the file
to whoever attaches it (cinder-backup for backups), and real full and
incremental backups work with the POSIX backup driver.

Loaded by cinder-volume as `FileVolumeDriver` of this module, by its dotted
name under `tests.harness` (the project root is on its PYTHONPATH).
"""

import os
import subprocess

from oslo_config import cfg
from oslo_log import log as logging

from cinder.volume import driver

LOG = logging.getLogger(__name__)

file_volume_opts = [
    cfg.StrOpt('file_volume_directory',
               help='Directory holding the volume and snapshot files.'),
    cfg.IntOpt('file_volume_capacity_gb', default=1000,
               help='Capacity reported to the scheduler.'),
]

GIB = 1024 ** 3


def _sparse_copy(source, target):
    subprocess.run(['cp', '--sparse=always', source, target],
                   check=True, capture_output=True)


def _set_size(path, size_gb):
    with open(path, 'ab') as volume_file:
        volume_file.truncate(size_gb * GIB)


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


class FileVolumeDriver(driver.VolumeDriver):
    """Volumes as sparse files, attached through os-brick's local connector."""

    VERSION = '1.0.0'
    CI_WIKI_NAME = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(file_volume_opts)
        self.directory = self.configuration.file_volume_directory
        self.backend_name = (
            self.configuration.safe_get('volume_backend_name') or 'file')

    def do_setup(self, context):
        os.makedirs(self.directory, exist_ok=True)

    def check_for_setup_error(self):
        if not os.access(self.directory, os.W_OK):
            raise RuntimeError('cannot write to %s' % self.directory)

    def local_path(self, volume):
        return os.path.join(self.directory, 'volume-%s' % volume.id)

    def _snapshot_path(self, snapshot):
        return os.path.join(self.directory, 'snapshot-%s' % snapshot.id)

    # Volumes and snapshots

    def create_volume(self, volume):
        _set_size(self.local_path(volume), volume.size)

    def delete_volume(self, volume):
        _remove(self.local_path(volume))

    def extend_volume(self, volume, new_size):
        _set_size(self.local_path(volume), new_size)

    def create_snapshot(self, snapshot):
        _sparse_copy(self.local_path(snapshot.volume),
                     self._snapshot_path(snapshot))

    def delete_snapshot(self, snapshot):
        _remove(self._snapshot_path(snapshot))

    def create_volume_from_snapshot(self, volume, snapshot):
        _sparse_copy(self._snapshot_path(snapshot), self.local_path(volume))
        _set_size(self.local_path(volume), volume.size)

    def create_cloned_volume(self, volume, src_vref):
        _sparse_copy(self.local_path(src_vref), self.local_path(volume))
        _set_size(self.local_path(volume), volume.size)

    def revert_to_snapshot(self, context, volume, snapshot):
        _sparse_copy(self._snapshot_path(snapshot), self.local_path(volume))
        _set_size(self.local_path(volume), volume.size)

    # Images: uploaded as raw bytes. (A volume made from an image needs
    # qemu-img before the driver is asked, and there is none here.)

    def copy_volume_to_image(self, context, volume, image_service,
                             image_meta):
        with open(self.local_path(volume), 'rb') as volume_file:
            image_service.update(context, image_meta['id'],
                                 {'disk_format': 'raw',
                                  'container_format': 'bare'},
                                 volume_file, purge_props=False)

    # Exports and connections: the file itself is the device

    def ensure_export(self, context, volume):
        pass

    def create_export(self, context, volume, connector):
        pass

    def remove_export(self, context, volume):
        pass

    def create_export_snapshot(self, context, snapshot, connector):
        pass

    def remove_export_snapshot(self, context, snapshot):
        pass

    def initialize_connection(self, volume, connector, **kwargs):
        return {'driver_volume_type': 'local',
                'data': {'device_path': self.local_path(volume)}}

    def initialize_connection_snapshot(self, snapshot, connector, **kwargs):
        return {'driver_volume_type': 'local',
                'data': {'device_path': self._snapshot_path(snapshot)}}

    def terminate_connection(self, volume, connector, **kwargs):
        pass

    def terminate_connection_snapshot(self, snapshot, connector, **kwargs):
        pass

    def _update_volume_stats(self):
        capacity = self.configuration.file_volume_capacity_gb
        self._stats = {
            'volume_backend_name': self.backend_name,
            'vendor_name': 'mistral-actions tests',
            'driver_version': self.VERSION,
            'storage_protocol': 'file',
            'total_capacity_gb': capacity,
            'free_capacity_gb': capacity,
            'reserved_percentage': 0,
            'thin_provisioning_support': True,
            'thick_provisioning_support': False,
            'max_over_subscription_ratio': 20.0,
            'multiattach': False,
        }
