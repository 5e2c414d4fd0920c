"""Write oslo.config style INI files from plain dictionaries."""

import os


def _format(value) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return ','.join(_format(item) for item in value)
    return str(value)


def write_config(path, sections) -> str:
    """Write sections ({section: {option: value}}) to path; return path.

    Values may be strings, numbers, booleans or lists (comma-joined).
    Options whose value is None are left out.
    """
    lines = []
    for section, options in sections.items():
        lines.append('[%s]' % section)
        for option, value in options.items():
            if value is not None:
                lines.append('%s = %s' % (option, _format(value)))
        lines.append('')
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, 'w') as config_file:
        config_file.write('\n'.join(lines))
    return str(path)


def keystone_authtoken(cloud, username) -> dict:
    """[keystone_authtoken] for a service whose API checks tokens."""
    return dict(service_credentials(cloud, username),
                www_authenticate_uri=cloud.auth_url,
                service_token_roles_required=True)


def service_credentials(cloud, username) -> dict:
    """A keystoneauth password section for one service user."""
    return {
        'auth_type': 'password',
        'auth_url': cloud.auth_url,
        'username': username,
        'password': cloud.service_password,
        'project_name': cloud.service_project,
        'user_domain_name': 'Default',
        'project_domain_name': 'Default',
        'region_name': cloud.region,
    }
