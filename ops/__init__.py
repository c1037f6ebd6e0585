"""Operations: what ops staff and load balancers ask of a running site (health, readiness,
whether acquisition runs). Reads the poll app's tables; nothing here writes them."""
