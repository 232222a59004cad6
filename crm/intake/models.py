"""The public form's stamps that have been spent: each signed stamp is good for one submission."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db


class UsedFormStamp(db.Model):
    __tablename__ = "intake_used_stamps"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(index=True)  # kept until the stamp would have expired anyway
