"""BizDevOps: model, run and improve processes.

Kept free of imports: the pure libraries (bizdevops.feel, bizdevops.dmn, bizdevops.engine.core) live under this
package and must load without Django or Celery. The Celery app is loaded by BizDevOpsConfig.ready().
"""
