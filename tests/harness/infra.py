"""The shared services of a deployment: MariaDB databases, RabbitMQ vhosts.

Each test session makes its own (random names) and drops them afterwards,
so runs never see each other's data.
"""

import os
import shutil
import subprocess
import uuid

import pymysql

MARIADB_HOST = os.environ.get('MA_TEST_MARIADB_HOST', '127.0.0.1')
MARIADB_PORT = int(os.environ.get('MA_TEST_MARIADB_PORT', '3306'))
MARIADB_USER = os.environ.get('MA_TEST_MARIADB_USER', 'root')
MARIADB_PASSWORD = os.environ.get('MA_TEST_MARIADB_PASSWORD', '')
RABBIT_HOST = os.environ.get('MA_TEST_RABBIT_HOST', '127.0.0.1')
RABBIT_PORT = int(os.environ.get('MA_TEST_RABBIT_PORT', '5672'))
RABBIT_USER = os.environ.get('MA_TEST_RABBIT_USER', 'guest')
RABBIT_PASSWORD = os.environ.get('MA_TEST_RABBIT_PASSWORD', 'guest')


def unique_name(prefix) -> str:
    return '%s_%s' % (prefix, uuid.uuid4().hex[:8])


def _connect(database=None):
    return pymysql.connect(
        host=MARIADB_HOST, port=MARIADB_PORT, user=MARIADB_USER,
        password=MARIADB_PASSWORD, database=database, connect_timeout=3,
        autocommit=True)


def mariadb_unavailable():
    """None when MariaDB answers, else one line saying why not."""
    try:
        _connect().close()
    except Exception as error:  # noqa: BLE001 - any failure means "no"
        return 'MariaDB at %s:%s does not answer: %s' % (
            MARIADB_HOST, MARIADB_PORT, error)
    return None


def rabbitmq_unavailable():
    """None when RabbitMQ can be administered here, else why not."""
    if not shutil.which('rabbitmqctl'):
        return 'rabbitmqctl is not installed'
    try:
        subprocess.run(['rabbitmqctl', 'list_vhosts'], check=True,
                       capture_output=True, timeout=30)
    except Exception as error:  # noqa: BLE001
        return 'RabbitMQ does not answer rabbitmqctl: %s' % error
    return None


def unavailable():
    """None when MariaDB and RabbitMQ both answer, else why not: what a
    deployed Mistral or the cloud needs."""
    return mariadb_unavailable() or rabbitmq_unavailable()


def create_database(name) -> str:
    """Create database name; return its SQLAlchemy URL (PyMySQL, utf8mb4)."""
    with _connect() as conn, conn.cursor() as cursor:
        cursor.execute('CREATE DATABASE `%s` CHARACTER SET utf8mb4' % name)
    return database_url(name)


def database_url(name) -> str:
    password = (':' + MARIADB_PASSWORD) if MARIADB_PASSWORD else ''
    return 'mysql+pymysql://%s%s@%s:%s/%s?charset=utf8mb4' % (
        MARIADB_USER, password, MARIADB_HOST, MARIADB_PORT, name)


def drop_database(name):
    with _connect() as conn, conn.cursor() as cursor:
        cursor.execute('DROP DATABASE IF EXISTS `%s`' % name)


def create_vhost(name) -> str:
    """Create RabbitMQ vhost name for the guest user; return transport_url."""
    subprocess.run(['rabbitmqctl', 'add_vhost', name], check=True,
                   capture_output=True, timeout=60)
    subprocess.run(['rabbitmqctl', 'set_permissions', '-p', name,
                    RABBIT_USER, '.*', '.*', '.*'],
                   check=True, capture_output=True, timeout=60)
    return 'rabbit://%s:%s@%s:%s/%s' % (
        RABBIT_USER, RABBIT_PASSWORD, RABBIT_HOST, RABBIT_PORT, name)


def drop_vhost(name):
    subprocess.run(['rabbitmqctl', 'delete_vhost', name],
                   capture_output=True, timeout=60)
