"""Built-in plugins: one package per plugin, registered like third-party ones.

Each package here that defines ``core.hookimpl`` functions (at its top
level) is registered under its package name.
"""
