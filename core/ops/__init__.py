"""Operations of a deployment: backup and restore, health checks (``xuncha doctor``)."""
