"""Demo data of the export ledger, for ``manage.py seed_demo``: exchange rates for the last
quarters and a few quarters of export reports from ten demo startups, mostly verified."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from ledger.models import ExchangeRate, ExportReport
from network.models import User


def seed(command, *, accounts: dict) -> None:
    startups, incubators = command.startups, command.incubators
    if ExportReport.objects.exists():
        return
    today = timezone.localdate()
    quarters = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(5):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        quarters.append((year, quarter))
    quarters.reverse()
    rates = {"PKR": "0.0035714", "GBP": "1.27", "EUR": "1.09", "AED": "0.2723", "CAD": "0.73", "AUD": "0.66"}
    for year, quarter in quarters:
        for currency, rate in rates.items():
            ExchangeRate.objects.get_or_create(
                currency=currency, year=year, quarter=quarter,
                defaults={"usd_per_unit": Decimal(rate), "source": "Demo rate"},
            )  # fmt: skip
    manager = accounts["incubator"]
    markets = [["US", "GB"], ["AE", "SA"], ["US", "CA"], ["DE", "NL"], ["AU", "US"]]
    for n, startup in enumerate(startups[:10]):
        centre = incubators[n % len(incubators)]
        owner = User.objects.filter(memberships__organisation=startup, memberships__role="owner").first()
        for q, (year, quarter) in enumerate(quarters):
            usd = Decimal(4000 + n * 1500) * (1 + Decimal(q) / 5)
            latest = q == len(quarters) - 1
            ExportReport.objects.create(
                organisation=startup, centre=centre, year=year, quarter=quarter, amount=usd.quantize(Decimal(1)),
                currency="USD", usd_rate=1, amount_usd=usd.quantize(Decimal(1)), markets=markets[n % 5],
                note="Invoices to overseas clients.", submitted_by=owner,
                status=ExportReport.Status.SUBMITTED if latest and n < 3 else ExportReport.Status.VERIFIED,
                verified_by=None if latest and n < 3 else manager,
                verified_at=None if latest and n < 3 else timezone.now(),
            )  # fmt: skip
    command.stdout.write(f"Exports: {ExportReport.objects.count()} quarterly reports, most verified.")
