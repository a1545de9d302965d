"""Email notifications: what each user was told, and which kinds they chose not to receive.

An email carries a case reference and a link only; the details stay behind the sign-in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    SAFEGUARDING_ALERT = "safeguarding_alert", "A victim service raised a safeguarding alert"
    NON_ATTENDANCE = ("non_attendance",
                      "A referred person missed a session: a breach for police to decide")
    COMPLETED = "completed", "A person you referred completed the programme"
    VICTIM_FOLLOW_UP = "victim_follow_up", "A victim follow-up point is reached"
    FIRST_CONTACT_OVERDUE = "first_contact_overdue", "First contact with a referred person is late"
    DEADLINE_NEAR = "deadline_near", "A condition deadline is approaching"
    TIME_LIMIT_NEAR = "time_limit_near", "A prosecution time limit is approaching"
    BREACH_DECISION = ("breach_decision",
                       "Police decided what happens after a breach of a referral to you")


# Always sent, whatever the user chose: a risk to someone's safety. Breaches are not urgent:
# each also waits on a work list (police: the compliance page; provider: the case page), and a
# prosecution time limit near its end has its own email (docs/architecture.md, Notifications).
URGENT_KINDS = frozenset({Kind.SAFEGUARDING_ALERT})


class Status(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up after retries)"
    NO_ADDRESS = "no_address", "Not sent: the user has no email address"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    urgent = models.BooleanField(default=False)
    # What it is about, as the processing log names subjects ("cases.Case", 42): this app sits
    # below the apps whose records it mentions, so it holds no foreign key to them.
    about_model = models.CharField(max_length=60, blank=True)
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Set for a notice sent once only (a follow-up point reached): the sweep's repeats skip it.
    once_key = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker last claimed it ("sending"): a claim older than NOTIFY_SENDING_TIMEOUT_MINUTES
    # is a worker that died, and the sweep queues the notification again (tasks.py).
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.status})"


class OptOut(models.Model):
    """A user does not want emails of this (non-urgent) kind."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"],
                                               name="notifications_optout_once")]

    def __str__(self) -> str:
        return f"{self.user_id} opts out of {self.kind}"


# Which kinds each role can receive (what its preferences page offers).
KINDS_BY_ROLE: dict[str, tuple[Kind, ...]] = {
    "decision_maker": (Kind.SAFEGUARDING_ALERT, Kind.NON_ATTENDANCE, Kind.COMPLETED,
                       Kind.TIME_LIMIT_NEAR),
    "provider_manager": (Kind.FIRST_CONTACT_OVERDUE, Kind.DEADLINE_NEAR, Kind.BREACH_DECISION),
    "victim_worker": (Kind.VICTIM_FOLLOW_UP,),
}
