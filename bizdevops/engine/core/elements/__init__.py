"""Element processors, one class per element type, registered in `bizdevops.engine.core.registry`."""
