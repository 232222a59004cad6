"""The bank's loan facts about a merchant (002 建设银行 附件2: 累计用款期限, 不良贷款记录, 逾期次数, 授信额度,
虚假报送数据; 002 中国银行 准入条件（三）: 近两年连续逾期期数 and 累计逾期期数),
as a branch records them or imports them from its own export. Each report carries its date and source;
a fact left empty in a report is simply not known from that report.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.timeutil import utcnow

# The facts a report can carry, in the order forms, imports and checks show them.
FACTS = ("loan_months", "bad_loans", "overdue_12m", "overdue_run_24m", "overdue_periods_24m", "credit_line",
         "false_reporting")


class BankFact(db.Model):
    __tablename__ = "bank_facts"
    __table_args__ = (Index("ix_bank_facts_merchant_as_of", "merchant_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    bank_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  # the reporting branch
    as_of: Mapped[date] = mapped_column(Date)  # the date the bank's data describe
    source: Mapped[str] = mapped_column(String(200))  # where the figures come from (system, file name)
    loan_months: Mapped[int | None] = mapped_column()  # 累计用款期限, months
    bad_loans: Mapped[bool | None] = mapped_column(Boolean)  # 有不良贷款记录
    overdue_12m: Mapped[int | None] = mapped_column()  # 最近 12 个月累计逾期次数
    # Repayment periods overdue in the last 24 months (近两年, the borrower or spouse): the longest run of
    # consecutive ones (连续逾期期数) and all of them (累计逾期期数).
    overdue_run_24m: Mapped[int | None] = mapped_column()
    overdue_periods_24m: Mapped[int | None] = mapped_column()
    credit_line: Mapped[int | None] = mapped_column(Numeric(14, 2))  # 授信额度, yuan
    false_reporting: Mapped[bool | None] = mapped_column(Boolean)  # 虚假报送数据
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    merchant = relationship("Merchant")
    bank_org = relationship("Organization")
    recorded_by = relationship("User")
