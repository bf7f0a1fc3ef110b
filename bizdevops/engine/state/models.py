"""Durable runtime state of the BPMN engine (app label `engine`).

PostgreSQL is the truth. A process instance's token state is one JSONB document (the core's `to_dict()`,
versioned by `format_version`); everything another party must find without loading that document (jobs by
type, timers by due date, subscriptions by message name, user tasks by assignee, incidents, variables for
search) is a row of its own, written by the appliers in `store.py` in the same transaction as the document.
History is append-only. Keys come from one sequence (`keys.py`) and are never reused, so they double as the
user-facing ids (Zeebe's keys)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Deployment(models.Model):
    """One deploy call: BPMN, DMN and form resources accepted together or not at all."""

    key = models.BigIntegerField(primary_key=True)
    tenant_id = models.CharField(max_length=256, default="<default>")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True, default="")
    resources = models.JSONField(default=list, help_text="[{name, kind, key, checksum}] in upload order")

    class Meta:
        ordering = ["-key"]

    def __str__(self) -> str:
        return f"Deployment {self.key}"


class ProcessDefinition(models.Model):
    """One version of one executable BPMN process. Immutable once written; cached by key."""

    key = models.BigIntegerField(primary_key=True)
    bpmn_process_id = models.CharField(max_length=256)
    name = models.CharField(max_length=512, blank=True, default="")
    version = models.PositiveIntegerField()
    version_tag = models.CharField(max_length=256, blank=True, default="")
    resource_name = models.CharField(max_length=512)
    resource = models.BinaryField(help_text="the BPMN file as uploaded (its bytes define the version)")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the resource bytes")
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="processes")
    tenant_id = models.CharField(max_length=256, default="<default>")
    created_at = models.DateTimeField()

    @property
    def xml(self) -> str:
        return bytes(self.resource).decode("utf-8", errors="replace")

    class Meta:
        ordering = ["bpmn_process_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "bpmn_process_id", "version"], name="engine_process_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bpmn_process_id} v{self.version}"


class DecisionRequirements(models.Model):
    """One version of a DMN file (its DRD)."""

    key = models.BigIntegerField(primary_key=True)
    decision_requirements_id = models.CharField(max_length=256)
    name = models.CharField(max_length=512, blank=True, default="")
    version = models.PositiveIntegerField()
    resource_name = models.CharField(max_length=512)
    resource = models.BinaryField()
    checksum = models.CharField(max_length=64)
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="decision_requirements")
    tenant_id = models.CharField(max_length=256, default="<default>")
    created_at = models.DateTimeField()

    @property
    def xml(self) -> str:
        return bytes(self.resource).decode("utf-8", errors="replace")

    class Meta:
        ordering = ["decision_requirements_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "decision_requirements_id", "version"], name="engine_drg_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision_requirements_id} v{self.version}"


class DecisionDefinition(models.Model):
    """One decision of a DMN file, versioned with its file."""

    key = models.BigIntegerField(primary_key=True)
    decision_id = models.CharField(max_length=256)
    name = models.CharField(max_length=512, blank=True, default="")
    version = models.PositiveIntegerField()
    requirements = models.ForeignKey(
        DecisionRequirements,
        on_delete=models.PROTECT,
        related_name="decisions",
        db_column="decision_requirements_key",
    )
    decision_requirements_id = models.CharField(max_length=256, blank=True, default="")
    resource_name = models.CharField(max_length=512)
    checksum = models.CharField(max_length=64)
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="decisions")
    tenant_id = models.CharField(max_length=256, default="<default>")

    class Meta:
        ordering = ["decision_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "decision_id", "version"], name="engine_decision_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} v{self.version}"


class FormDefinition(models.Model):
    """One version of a form-js schema, linked from user tasks by `zeebe:formDefinition formId`."""

    key = models.BigIntegerField(primary_key=True)
    form_id = models.CharField(max_length=256)
    version = models.PositiveIntegerField()
    resource_name = models.CharField(max_length=512)
    resource = models.BinaryField()
    schema = models.JSONField(null=True, help_text="the parsed form-js schema (None if not JSON)")
    checksum = models.CharField(max_length=64)
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="forms")
    tenant_id = models.CharField(max_length=256, default="<default>")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["form_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "form_id", "version"], name="engine_form_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form_id} v{self.version}"


class InstanceStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    INCIDENT = "INCIDENT"


class ProcessInstance(models.Model):
    """The lock unit of the engine: every command on an instance starts with SELECT ... FOR UPDATE here."""

    key = models.BigIntegerField(primary_key=True)
    # No database constraint: its check locks the definition row (FOR KEY SHARE) on every start, a WAL
    # record per instance and, with concurrent starts of one process, a MultiXact on that hot row.
    # Definitions are never deleted (PROTECT still guards the ORM), and the engine writes only keys it
    # has just read, so the constraint guarded nothing the engine can break.
    process_definition = models.ForeignKey(
        ProcessDefinition,
        on_delete=models.PROTECT,
        related_name="instances",
        db_column="process_definition_key",
        db_constraint=False,
    )
    bpmn_process_id = models.CharField(max_length=256)
    version = models.IntegerField()  # no CHECK: see revision
    status = models.CharField(max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.ACTIVE)
    state = models.JSONField(help_text="the core's InstanceState.to_dict()")
    format_version = models.SmallIntegerField()
    # Plain integers, no CHECK (>= 0) constraints on the rows every command writes: PostgreSQL rebuilds each
    # CHECK expression from its stored text on every execution of a write (about 3% of its CPU per command),
    # and only the engine writes these columns.
    revision = models.IntegerField(default=1, help_text="bumped on every committed command")
    parent_process_instance_key = models.BigIntegerField(null=True, blank=True)
    parent_element_instance_key = models.BigIntegerField(null=True, blank=True)
    root_process_instance_key = models.BigIntegerField(null=True, blank=True)
    business_id = models.CharField(max_length=256, blank=True, default="")
    tenant_id = models.CharField(max_length=256, default="<default>")
    start_date = models.DateTimeField()
    end_date = models.DateTimeField(null=True, blank=True)
    start_correlation_key = models.CharField(
        max_length=512,
        null=True,
        blank=True,
        help_text="correlation key of the message that started it (one active instance per process and key)",
    )

    class Meta:
        ordering = ["-key"]
        indexes = [
            models.Index(fields=["bpmn_process_id", "status"], name="engine_pi_process_status"),
            models.Index(fields=["status", "-start_date"], name="engine_pi_status_start"),
            # Only called instances have a parent: root instances (nearly all) add no entry.
            models.Index(
                fields=["parent_process_instance_key"],
                name="engine_pi_parent",
                condition=Q(parent_process_instance_key__isnull=False),
            ),
        ]
        constraints = [
            # One active instance per process id and message start correlation key (Zeebe's rule; the
            # store serializes starts with an advisory lock, this is the safety net). Only active
            # instances a keyed message started have an entry.
            models.UniqueConstraint(
                fields=["bpmn_process_id", "start_correlation_key"],
                name="engine_pi_active_start_key",
                condition=Q(start_correlation_key__isnull=False, status__in=["ACTIVE", "INCIDENT"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bpmn_process_id} #{self.key}"


class JobState(models.TextChoices):
    ACTIVATABLE = "ACTIVATABLE"  # may be handed to a worker (once retry_at has passed)
    ACTIVATED = "ACTIVATED"  # locked by a worker until deadline
    FAILED = "FAILED"  # retries left 0: an incident holds it
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    ERROR_THROWN = "ERROR_THROWN"


class Job(models.Model):
    """ACT_RU_JOB in Zeebe's terms: a unit of work for an external or built-in worker, locked by activation."""

    key = models.BigIntegerField(primary_key=True)
    type = models.CharField(max_length=256)
    kind = models.CharField(max_length=32, default="BPMN_ELEMENT")
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.ACTIVATABLE)
    retries = models.IntegerField(default=3)
    priority = models.IntegerField(default=0)
    worker = models.CharField(max_length=256, blank=True, default="")
    deadline = models.DateTimeField(null=True, blank=True, help_text="lock expiry while ACTIVATED")
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="not activatable before (retry back-off)"
    )
    error_message = models.TextField(blank=True, default="")
    error_code = models.CharField(max_length=256, blank=True, default="")
    custom_headers = models.JSONField(default=dict)
    listener_event_type = models.CharField(max_length=32, default="UNSPECIFIED")
    element_id = models.CharField(max_length=256)
    element_instance_key = models.BigIntegerField()
    process_instance_key = models.BigIntegerField(db_index=True)
    process_definition_key = models.BigIntegerField()
    process_definition_version = models.IntegerField(default=1)  # no CHECK: see revision
    bpmn_process_id = models.CharField(max_length=256)
    tenant_id = models.CharField(max_length=256, default="<default>")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["key"]
        indexes = [
            # Activation scans only open jobs of one type, in its order (highest priority, then oldest), and
            # stops after maxJobs; finished jobs (the bulk of the table) stay out.
            models.Index(
                fields=["type", "-priority", "key"],
                name="engine_job_activatable",
                condition=Q(state="ACTIVATABLE"),
            ),
            # The sweeper finds expired locks and due retries without touching finished jobs.
            models.Index(fields=["deadline"], name="engine_job_locked", condition=Q(state="ACTIVATED")),
            models.Index(
                fields=["retry_at"],
                name="engine_job_backoff",
                condition=Q(state="ACTIVATABLE", retry_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Job {self.key} ({self.type})"


class UserTaskState(models.TextChoices):
    CREATED = "CREATED"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"


_OPEN = Q(state="CREATED")


class UserTask(models.Model):
    """A Camunda user task (`zeebe:userTask`) as Tasklist lists it."""

    key = models.BigIntegerField(primary_key=True)
    element_id = models.CharField(max_length=256)
    name = models.CharField(max_length=512, blank=True, default="")
    state = models.CharField(max_length=16, choices=UserTaskState.choices, default=UserTaskState.CREATED)
    assignee = models.CharField(max_length=256, blank=True, default="")
    candidate_users = models.JSONField(default=list)
    candidate_groups = models.JSONField(default=list)
    due_date = models.DateTimeField(null=True, blank=True)
    follow_up_date = models.DateTimeField(null=True, blank=True)
    # the ISO texts as the engine evaluated them (the datetimes above are for sorting and filtering)
    due_date_text = models.CharField(max_length=64, blank=True, default="")
    follow_up_date_text = models.CharField(max_length=64, blank=True, default="")
    priority = models.IntegerField(default=50)
    form_key = models.CharField(max_length=512, blank=True, default="")
    form_id = models.CharField(max_length=256, blank=True, default="")
    form_definition_key = models.BigIntegerField(null=True, blank=True)
    external_form_reference = models.CharField(max_length=1024, blank=True, default="")
    embedded_form = models.TextField(blank=True, default="")
    custom_headers = models.JSONField(default=dict)
    element_instance_key = models.BigIntegerField()
    process_instance_key = models.BigIntegerField(db_index=True)
    process_definition_key = models.BigIntegerField()
    process_definition_version = models.IntegerField(default=1)  # no CHECK: see revision
    bpmn_process_id = models.CharField(max_length=256)
    process_name = models.CharField(max_length=512, blank=True, default="")
    tenant_id = models.CharField(max_length=256, default="<default>")
    creation_date = models.DateTimeField()
    completion_date = models.DateTimeField(null=True, blank=True)
    completed_by = models.CharField(max_length=256, blank=True, default="")

    class Meta:
        ordering = ["-creation_date", "-key"]
        # Tasklist's list indexes cover open tasks only (partial, state = CREATED): finished tasks, the
        # bulk of the table over time, stay out of them, and completing a task inserts its new row
        # version into the primary key and the instance index only, not into every list index.
        # (Queries for finished tasks filter by who completed them and scan; they are rare.)
        indexes = [
            models.Index(
                fields=["assignee", "-creation_date"], name="engine_ut_open_assignee", condition=_OPEN
            ),
            models.Index(
                fields=["-priority", "-creation_date"], name="engine_ut_open_priority", condition=_OPEN
            ),
            models.Index(fields=["due_date"], name="engine_ut_open_due", condition=_OPEN),
            models.Index(fields=["bpmn_process_id"], name="engine_ut_open_process", condition=_OPEN),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.element_id} #{self.key}"


class UserTaskCandidate(models.Model):
    """One candidate user or group of an open user task: an indexable row, because JSON containment is not
    portable to SQLite (the quickstart) and Tasklist's main query is "tasks my groups may claim"."""

    KIND_USER = "user"
    KIND_GROUP = "group"

    user_task = models.ForeignKey(UserTask, on_delete=models.CASCADE, related_name="candidates")
    kind = models.CharField(max_length=8)
    name = models.CharField(max_length=256)

    class Meta:
        indexes = [models.Index(fields=["kind", "name"], name="engine_utc_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["user_task", "kind", "name"], name="engine_utc_unique"),
        ]


class Timer(models.Model):
    """A pending timer (catch event, boundary, event subprocess or start event). Deleted when it fires or its
    scope ends; a repeating timer is replaced by its next occurrence in the same transaction."""

    key = models.BigIntegerField(primary_key=True)
    due_at = models.DateTimeField(db_index=True)
    repetitions = models.IntegerField(default=1, help_text="remaining firings; -1 = forever")
    interval_ms = models.BigIntegerField(null=True, blank=True)
    element_id = models.CharField(max_length=256)
    element_instance_key = models.BigIntegerField(null=True, blank=True)
    process_instance_key = models.BigIntegerField(null=True, blank=True, db_index=True)
    process_definition_key = models.BigIntegerField()
    bpmn_process_id = models.CharField(max_length=256, blank=True, default="")
    tenant_id = models.CharField(max_length=256, default="<default>")

    class Meta:
        ordering = ["due_at", "key"]

    def __str__(self) -> str:
        return f"Timer {self.key} at {self.due_at:%Y-%m-%d %H:%M:%S}"


class MessageSubscription(models.Model):
    """An open element waiting for a message (catch event, receive task, boundary, event subprocess); with
    no instance key it is a message start event of the latest version of its process."""

    key = models.BigIntegerField(primary_key=True)
    message_name = models.CharField(max_length=256)
    correlation_key = models.CharField(max_length=512, null=True, blank=True)
    element_id = models.CharField(max_length=256)
    element_instance_key = models.BigIntegerField(null=True, blank=True)
    process_instance_key = models.BigIntegerField(null=True, blank=True, db_index=True)
    process_definition_key = models.BigIntegerField()
    bpmn_process_id = models.CharField(max_length=256)
    interrupting = models.BooleanField(default=True)
    tenant_id = models.CharField(max_length=256, default="<default>")

    class Meta:
        ordering = ["key"]
        indexes = [models.Index(fields=["message_name", "correlation_key"], name="engine_msgsub_lookup")]


class BufferedMessage(models.Model):
    """A published message kept for its time to live; `message_id` dedupes only while buffered (Zeebe)."""

    key = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=256)
    correlation_key = models.CharField(max_length=512)
    message_id = models.CharField(max_length=256, null=True, blank=True)
    variables = models.JSONField(default=dict)
    published_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    correlated_process_ids = models.JSONField(default=list, help_text="a message correlates once per process")
    tenant_id = models.CharField(max_length=256, default="<default>")

    class Meta:
        ordering = ["key"]
        indexes = [models.Index(fields=["name", "correlation_key"], name="engine_msg_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "message_id"],
                condition=Q(message_id__isnull=False),
                name="engine_msg_id_unique",
            )
        ]


class SignalSubscription(models.Model):
    """An open element waiting for a signal broadcast; with no instance key it is a signal start event of
    the latest version of its process (replaced when a new version is deployed)."""

    key = models.BigIntegerField(primary_key=True)
    signal_name = models.CharField(max_length=256, db_index=True)
    element_id = models.CharField(max_length=256)
    element_instance_key = models.BigIntegerField(null=True, blank=True)
    process_instance_key = models.BigIntegerField(null=True, blank=True, db_index=True)
    process_definition_key = models.BigIntegerField()
    bpmn_process_id = models.CharField(max_length=256)
    tenant_id = models.CharField(max_length=256, default="<default>")

    class Meta:
        ordering = ["key"]


class IncidentState(models.TextChoices):
    ACTIVE = "ACTIVE"
    RESOLVED = "RESOLVED"


class Incident(models.Model):
    """A halted token with the reason (Zeebe's error types); resolving it lets the instance continue."""

    key = models.BigIntegerField(primary_key=True)
    error_type = models.CharField(max_length=64)
    error_message = models.TextField(blank=True, default="")
    state = models.CharField(max_length=16, choices=IncidentState.choices, default=IncidentState.ACTIVE)
    element_id = models.CharField(max_length=256)
    element_instance_key = models.BigIntegerField()
    job_key = models.BigIntegerField(null=True, blank=True)
    process_instance_key = models.BigIntegerField(db_index=True)
    process_definition_key = models.BigIntegerField()
    bpmn_process_id = models.CharField(max_length=256)
    tenant_id = models.CharField(max_length=256, default="<default>")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-key"]
        indexes = [models.Index(fields=["state", "-created_at"], name="engine_incident_state")]


class Variable(models.Model):
    """A variable of one scope as last written, kept for search (the document in ProcessInstance rules)."""

    key = models.BigIntegerField(primary_key=True)
    scope_key = models.BigIntegerField()
    name = models.CharField(max_length=256)
    value = models.JSONField(null=True)
    process_instance_key = models.BigIntegerField(db_index=True)
    tenant_id = models.CharField(max_length=256, default="<default>")

    class Meta:
        ordering = ["scope_key", "name"]
        constraints = [models.UniqueConstraint(fields=["scope_key", "name"], name="engine_variable_unique")]
        indexes = [models.Index(fields=["name"], name="engine_variable_name")]


class History(models.Model):
    """Append-only history: every element, job, user task, incident and variable transition, the source for
    Operate and Optimize. Never updated, never deleted by the engine.

    One row per committed command and process instance, holding that command's transitions in order
    (`records`: [element id, element type, key, intent, epoch ms, flow scope key, value type, data]), like
    one batch of Zeebe's log. A command moves a token through many elements at once; a row per transition
    made history most of the cost of a command (tuples and index entries), a row per command keeps it one
    insert. Read it through `selectors.list_history_records`, which unpacks the transitions."""

    id = models.BigAutoField(primary_key=True)
    timestamp = models.DateTimeField(help_text="time of the command")
    process_instance_key = models.BigIntegerField(null=True, blank=True)
    process_definition_key = models.BigIntegerField(null=True, blank=True)
    bpmn_process_id = models.CharField(max_length=256, blank=True, default="")
    records = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["process_instance_key", "id"], name="engine_history_instance"),
            models.Index(fields=["process_definition_key", "id"], name="engine_history_definition"),
        ]
        verbose_name_plural = "history"


class KeyBlock(models.Model):
    """SQLite fallback of the key sequence: one row whose counter is bumped under the write lock. PostgreSQL
    uses the sequence `engine_key_seq` created by the migration instead."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    next_block = models.BigIntegerField(default=1)


class OutboxCommand(models.Model):
    """A follow-up command for another instance (message correlation, call-activity parent notification,
    signal delivery), written in the same transaction as the command that caused it and processed after
    commit by a Celery task; the sweeper picks up rows whose wake-up was lost."""

    id = models.BigAutoField(primary_key=True)
    command = models.JSONField(help_text="commands.command_to_dict()")
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]


class ClockSetting(models.Model):
    """The engine clock's pin/offset for tests and demos (PUT /v2/clock); read only when
    settings.BIZDEVOPS_CLOCK_API is on, so production never pays the query. One row, id 1."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    pinned_ms = models.BigIntegerField(null=True, blank=True)
