"""The loader that every stored code source carries (its text is copied into
each bundle; it imports nothing of ours).

Mistral exec's a code source as one fresh module and never puts it in
``sys.modules``, so a module cannot import its own package's helpers unless
they are installed on every Mistral node. A bundle carries them instead
(the way Ansible's AnsiballZ carries ``module_utils``): this loader runs
each bundled file as a module kept in ``sys.modules`` under a private name
made of the bundle's digest, with an ``__import__`` that resolves the
bundle's own packages inside the bundle and everything else as usual. So:

* nodes need only the external libraries the actions import;
* two versions of a helper never mix: each bundle sees its own copies;
* the executor, which exec's the code source on every run, finds the
  helpers already loaded for that digest and only runs the action module;
* tracebacks name the original files and lines, not ``<string>``.
"""


def _mistral_actions_load(bundle, namespace):
    """Run the bundle's main module into ``namespace`` (the code source's
    own module), its imports of bundled packages served from the bundle."""
    import builtins
    import linecache
    import sys
    import threading
    import types

    files = bundle['files']  # module name -> (file name, source text)
    packages = bundle['packages']  # module names that are packages
    tops = {name.split('.')[0] for name in files}
    root = '_mistral_actions_bundles.%s.' % bundle['digest'][:16]
    real_import = builtins.__import__
    # The executor runs actions in threads: one loads a bundle's module
    # while the others wait, instead of seeing it half executed. One lock
    # per process, made once (dict.setdefault is atomic).
    holder = sys.modules.setdefault(
        '_mistral_actions_bundles', types.ModuleType('_mistral_actions'))
    lock = holder.__dict__.setdefault('lock', threading.RLock())

    def code_of(name):
        filename, text = files[name]
        linecache.cache[filename] = (len(text), None,
                                     text.splitlines(True), filename)
        return compile(text, filename, 'exec')

    def load(name):
        module = sys.modules.get(root + name)
        if module is not None and not getattr(module, '__loading__', False):
            return module
        with lock:
            return sys.modules.get(root + name) or load_once(name)

    def load_once(name):
        parent, _, child = name.rpartition('.')
        parent_module = load(parent) if parent else None
        if name not in files:
            raise ImportError('No module named %r in the bundle of %s: it '
                              'was not imported statically by the package, '
                              'so it was not bundled' % (name, bundle['main']),
                              name=name)
        module = types.ModuleType(name)
        module.__file__ = files[name][0]
        if name in packages:
            module.__path__ = []
            module.__package__ = name
        else:
            module.__package__ = parent
        module.__builtins__ = scoped_builtins
        module.__loading__ = True
        sys.modules[root + name] = module
        try:
            exec(code_of(name), module.__dict__)
        except BaseException:
            del sys.modules[root + name]
            raise
        finally:
            module.__loading__ = False
        if parent_module is not None:
            setattr(parent_module, child, module)
        return module

    def scoped_import(name, globals=None, locals=None, fromlist=(), level=0):
        absolute = name
        if level:
            package = (globals or {}).get('__package__') or ''
            base = package.rsplit('.', level - 1)[0] if level > 1 \
                else package
            absolute = '%s.%s' % (base, name) if name else base
        if absolute.split('.')[0] not in tops:
            return real_import(name, globals, locals, fromlist, level)
        module = load(absolute)
        if not fromlist:
            return module if level else load(absolute.split('.')[0])
        for item in fromlist:
            if not hasattr(module, item) and '%s.%s' % (absolute,
                                                        item) in files:
                load('%s.%s' % (absolute, item))
        return module

    scoped_builtins = dict(vars(builtins), __import__=scoped_import)
    main = bundle['main']
    namespace['__builtins__'] = scoped_builtins
    namespace['__package__'] = main if main in packages \
        else main.rpartition('.')[0]
    namespace['__file__'] = files[main][0]
    exec(code_of(main), namespace)
