"""The REST API: FastAPI routes over the service layer, API keys, Casbin RBAC, audit and metrics."""
