"""Built-in connectors (REST, email, ...): job workers registered by job type, like any external worker."""
