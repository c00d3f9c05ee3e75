"""fastapi-app: a Dispatch-style incident-management backend."""

__version__ = "0.1.0"
