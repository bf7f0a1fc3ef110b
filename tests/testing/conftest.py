pytest_plugins = ["bizdevops.testing.plugin"]
