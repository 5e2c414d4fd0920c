"""A helper module: no actions here, it travels with the ones that use it."""

GREETING = 'Hello'


def greeting(name):
    return '%s, %s!' % (GREETING, name)
