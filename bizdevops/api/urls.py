"""Public REST API routes: /v2 (Camunda 8 compatible), /engine-rest (Camunda 7 external tasks), OpenAPI."""

urlpatterns: list = []
