"""Fill the site with invented demo data. Safe to run twice.

``--members N`` adds N bulk members (for benchmarks) on top of the demo set, and then each app above
network adds data in proportion through ``demo.seed_bulk(command, members=N)`` (mentors, bookings and
room messages; pitches and investors; stories). On PostgreSQL the planner statistics are refreshed
(``ANALYZE``) at the end: right after a bulk load they describe empty tables.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from core.pagecache import bump_pages
from network.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from network.models import Introduction, Language, Membership, Organisation, Profile, Sector, User

DEMO_DOMAIN = "demo.rabta.pk"
BULK_DOMAIN = "bulk.rabta.pk"

FIRST_NAMES = [
    "Ayesha", "Bilal", "Sana", "Hamza", "Zainab", "Omar", "Fatima", "Usman", "Hira", "Ali", "Mahnoor", "Saad",
    "Amna", "Farhan", "Iqra", "Kamran", "Nida", "Raza", "Sadia", "Taimur", "Maryam", "Junaid", "Rabia", "Faisal",
    "Saba", "Danish", "Khadija", "Imran", "Anum", "Zeeshan", "Mehwish", "Adeel", "Noor", "Haris", "Areeba", "Waqas",
]  # fmt: skip
SURNAMES = [
    "Qureshi", "Siddiqui", "Chaudhry", "Malik", "Sheikh", "Baig", "Hashmi", "Butt", "Mirza", "Rizvi", "Abbasi",
    "Khattak", "Durrani", "Jamali", "Memon", "Soomro", "Awan", "Gillani", "Niazi", "Bhatti", "Farooqi", "Zaidi",
]  # fmt: skip

# (city, country, time zone): the diaspora across continents.
DIASPORA_CITIES = [
    ("San Francisco", "US", "America/Los_Angeles"),
    ("Seattle", "US", "America/Los_Angeles"),
    ("Houston", "US", "America/Chicago"),
    ("New York", "US", "America/New_York"),
    ("Toronto", "CA", "America/Toronto"),
    ("London", "GB", "Europe/London"),
    ("Manchester", "GB", "Europe/London"),
    ("Berlin", "DE", "Europe/Berlin"),
    ("Stockholm", "SE", "Europe/Stockholm"),
    ("Dubai", "AE", "Asia/Dubai"),
    ("Riyadh", "SA", "Asia/Riyadh"),
    ("Singapore", "SG", "Asia/Singapore"),
    ("Sydney", "AU", "Australia/Sydney"),
    ("Melbourne", "AU", "Australia/Melbourne"),
]
HOME_CITIES = ["Lahore", "Karachi", "Islamabad", "Peshawar", "Faisalabad", "Quetta", "Multan", "Hyderabad"]

MENTOR_HEADLINES = [
    "Staff engineer, payments infrastructure",
    "Product director at a SaaS scale-up",
    "Founder, exited B2B marketplace",
    "Security architect, cloud platforms",
    "Machine learning lead, health diagnostics",
    "Growth marketer for consumer apps",
    "Engineering manager, logistics software",
    "Partner at an early-stage fund",
    "Principal data scientist, retail",
    "CTO of an agritech company",
]
SKILLS = [
    "Django, Python, system design",
    "Go-to-market, B2B sales, pricing",
    "Fundraising, term sheets, investor updates",
    "Cloud security, SOC 2, ISO 27001",
    "Machine learning, MLOps",
    "Product management, user research",
    "Mobile apps, Flutter, React Native",
    "Export sales, US and EU markets",
]

STARTUPS = [
    ("Khet Kahani", "agritech", "Crop advice over WhatsApp for small farmers"),
    ("Sehat Line", "healthtech", "Tele-consultations for rural clinics"),
    ("Parhai Box", "edtech", "Offline-first lessons for low-bandwidth schools"),
    ("Raqam Pay", "fintech", "Payroll and payouts for freelancers exporting services"),
    ("Shehri Desk", "govtech", "Citizen service requests for municipalities"),
    ("Qila Secure", "cybersecurity", "Managed detection for small banks"),
    ("Soch AI", "ai-data", "Urdu speech recognition for call centres"),
    ("Hisaab Cloud", "saas", "Accounting for small traders"),
    ("Bazaar Link", "e-commerce", "Cross-border storefronts for artisans"),
    ("Sanad Chain", "blockchain", "Verifiable academic credentials"),
    ("Dhoop Energy", "cleantech", "Solar financing for homes and shops"),
    ("Rasta Freight", "logistics", "Freight matching for inter-city trucking"),
    ("Khel Studio", "gaming", "Casual games for the South Asian market"),
    ("Makaan Hub", "proptech", "Verified rental listings"),
    ("Awaaz Media", "media", "Podcast production for brands"),
    ("CodeKaar", "it-services", "Nearshore engineering teams for European SaaS"),
    ("Paani Sense", "agritech", "Soil moisture sensors and irrigation plans"),
    ("Dawa Track", "healthtech", "Pharmacy inventory and expiry tracking"),
    ("Hunar Hub", "edtech", "Apprenticeships for software testers"),
    ("Bachat Wallet", "fintech", "Savings committees (committee) on mobile"),
    ("Nigran Labs", "cybersecurity", "Phishing simulations in Urdu and English"),
    ("Data Darya", "ai-data", "Data labelling with fair pay"),
    ("Dukaan OS", "saas", "Point of sale for corner shops"),
    ("Kapra Connect", "e-commerce", "Textile sourcing for overseas buyers"),
    ("Hawa Clean", "cleantech", "Air quality monitoring for schools"),
]
INCUBATORS = [
    ("National Incubation Centre Lahore", Organisation.Kind.INCUBATOR, "Lahore"),
    ("Karachi Centre of Excellence in AI", Organisation.Kind.CENTRE, "Karachi"),
    ("Islamabad Tech Park", Organisation.Kind.TECH_PARK, "Islamabad"),
    ("Peshawar Startup Foundry", Organisation.Kind.INCUBATOR, "Peshawar"),
]

DEMO_ACCOUNTS = [
    # (email local part, name, description for the README)
    ("founder", "Hina Farooqi", "founder"),
    ("mentor", "Adnan Qureshi", "mentor"),
    ("investor", "Rehan Siddiqui", "investor"),
    ("incubator", "Saima Baig", "incubator manager"),
    ("editor", "Nadia Hashmi", "editor"),
    ("reviewer", "Omar Sheikh", "story reviewer"),
    ("staff", "Tariq Mirza", "staff"),
]


class Command(BaseCommand):
    help = "Fill the site with invented demo data and demo accounts (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=0, help="Also make this many bulk members (benchmarks).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")

    def handle(self, *args, members: int = 0, seed: int = 2026, **options) -> None:
        self.rng = random.Random(seed)
        self.password_hash = make_password(DEMO_PASSWORD)
        self.sectors = {s.slug: s for s in Sector.objects.all()}
        self.languages = {lang.code: lang for lang in Language.objects.all()}
        with transaction.atomic():
            accounts = self._demo_accounts()
            mentors = self._mentors(40)
            incubators = self._incubators(accounts["incubator"])
            startups = self._startups(25, accounts["founder"], incubators)
            self._introductions(accounts, mentors)
            # The apps below read the organisations made here (ledger.demo: export reports).
            self.startups, self.incubators = startups, incubators
            # Apps above network add their own demo data (ledger, mentorship,
            # investments, cms) through a ``demo.seed(command, accounts)`` function, found by
            # name so that network never imports them.
            for config in apps.get_app_configs():
                if config.name != "network" and module_has_submodule(config.module, "demo"):
                    __import__(f"{config.name}.demo", fromlist=["seed"]).seed(self, accounts=accounts)
        self.stdout.write(
            f"Demo data ready: {len(mentors)} mentors, {len(startups)} startups, {len(incubators)} incubators "
            f"and centres. Demo accounts use the password {DEMO_PASSWORD!r}."
        )
        if members:
            started = time.monotonic()
            created = self._bulk_members(members)
            self.stdout.write(f"Bulk members: {created} created in {time.monotonic() - started:.1f} s.")
            self._analyze()  # the apps below read the new members back
            # The same discovery for bulk data, in app order (mentorship before investments before
            # cms): ``demo.seed_bulk(command, members=N)`` returns what it made, in words.
            for config in apps.get_app_configs():
                if config.name == "network" or not module_has_submodule(config.module, "demo"):
                    continue
                seed_bulk = getattr(__import__(f"{config.name}.demo", fromlist=["seed_bulk"]), "seed_bulk", None)
                if seed_bulk is not None:
                    started = time.monotonic()
                    made = seed_bulk(self, members=members)
                    self.stdout.write(f"Bulk {config.label}: {made} in {time.monotonic() - started:.1f} s.")
            # Bulk inserts send no signals: cached pages and fragments would show the data as it was.
            bump_pages("profiles", "organisations", "mentors", "deals", "stories", "impact")
            started = time.monotonic()
            if self._analyze():
                self.stdout.write(f"Planner statistics refreshed (ANALYZE) in {time.monotonic() - started:.1f} s.")

    def _analyze(self) -> bool:
        """Refresh PostgreSQL's planner statistics. Right after a bulk load they still describe nearly
        empty tables, and the planner picks plans (nested loops over sequential scans) that take
        minutes instead of milliseconds."""
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return True

    def bulk_profiles(self, members: int) -> dict[int, dict]:
        """The first ``members`` bulk members by number (``member0000042@…`` is 42), as dicts of the
        profile fields the apps' ``seed_bulk`` build on. Read once per run."""
        cached = getattr(self, "_bulk_profiles", None)
        if cached is None or cached[0] != members:
            rows = (
                Profile.objects.filter(user__email__endswith=f"@{BULK_DOMAIN}")
                .order_by()
                .values(
                    "user_id", "user__email", "display_name", "country", "timezone", "skills",
                    "is_mentor", "is_founder", "is_investor",
                )
            )  # fmt: skip
            profiles = {}
            for row in rows:
                number = int(row["user__email"].split("@", 1)[0].removeprefix("member"))
                if number < members:
                    profiles[number] = row
            cached = self._bulk_profiles = (members, profiles)
        return cached[1]

    # --- helpers -------------------------------------------------------------

    def _user(self, email: str, name: str, **profile_fields) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"password": self.password_hash})
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
        profile, _ = Profile.objects.get_or_create(user=user, defaults={"display_name": name})
        if created:
            for field, value in profile_fields.items():
                setattr(profile, field, value)
            profile.display_name = name
            profile.save()
        return user

    def _pick_sectors(self, k: int) -> list[Sector]:
        return self.rng.sample(list(self.sectors.values()), k=k)

    def _demo_accounts(self) -> dict[str, User]:
        accounts = {}
        for local, name, _role in DEMO_ACCOUNTS:
            accounts[local] = self._user(f"{local}@{DEMO_DOMAIN}", name)
        founder = accounts["founder"].profile
        if not founder.headline:
            founder.headline = "Co-founder and CEO, Raqam Pay"
            founder.city, founder.country, founder.timezone = "Lahore", "PK", "Asia/Karachi"
            founder.is_founder = True
            founder.bio = "Building payroll and payouts for Pakistan's freelancers exporting services."
            founder.save()
            founder.sectors.set([self.sectors["fintech"], self.sectors["saas"]])
            founder.languages.set([self.languages["ur"], self.languages["en"]])
        mentor = accounts["mentor"].profile
        if not mentor.headline:
            mentor.headline = "Engineering director, fintech infrastructure"
            mentor.city, mentor.country, mentor.timezone = "San Francisco", "US", "America/Los_Angeles"
            mentor.lives_abroad = True
            mentor.is_mentor = True
            mentor.visibility = Profile.Visibility.PUBLIC  # mentors are public by default
            mentor.skills = "Payments, system design, hiring engineers"
            mentor.bio = "Twenty years building payment systems in California. Happy to help founders at home."
            mentor.save()
            mentor.sectors.set([self.sectors["fintech"], self.sectors["cybersecurity"]])
            mentor.languages.set([self.languages["ur"], self.languages["en"], self.languages["pa"]])
        investor = accounts["investor"].profile
        if not investor.headline:
            investor.headline = "Angel investor, ex-founder"
            investor.city, investor.country, investor.timezone = "London", "GB", "Europe/London"
            investor.lives_abroad = True
            investor.is_investor = True
            investor.save()
            investor.sectors.set([self.sectors["saas"], self.sectors["fintech"], self.sectors["ai-data"]])
        incubator = accounts["incubator"].profile
        if not incubator.headline:
            incubator.headline = "Programme manager, National Incubation Centre Lahore"
            incubator.city, incubator.country = "Lahore", "PK"
            incubator.save()
        headlines = {"editor": "Editor, Rabta stories", "reviewer": "Reviewer, Rabta stories", "staff": "Rabta staff"}
        for local, headline in headlines.items():
            profile = accounts[local].profile
            if not profile.headline:
                profile.headline = headline
                profile.city, profile.country = "Islamabad", "PK"
                profile.save()
        # Wagtail's own groups: editors write stories, moderators ("Moderators approval", the default
        # workflow) approve them before they are published.
        editors, _ = Group.objects.get_or_create(name="Editors")
        accounts["editor"].groups.add(editors)
        moderators, _ = Group.objects.get_or_create(name="Moderators")
        accounts["reviewer"].groups.add(moderators)
        staff = accounts["staff"]
        if not staff.is_staff:
            staff.is_staff = True
            staff.is_superuser = True
            staff.save(update_fields=["is_staff", "is_superuser"])
        # Staff and editors' tools need two-factor authentication: theirs uses the published demo secret.
        for local in ("editor", "reviewer", "staff"):
            Authenticator.objects.get_or_create(
                user=accounts[local],
                type=Authenticator.Type.TOTP,
                defaults={"data": {"secret": encrypt(DEMO_TOTP_SECRET)}},
            )
        return accounts

    def _mentors(self, count: int) -> list[User]:
        mentors = []
        for i in range(count):
            city, country, tz = DIASPORA_CITIES[i % len(DIASPORA_CITIES)]
            name = f"{FIRST_NAMES[(i * 7) % len(FIRST_NAMES)]} {SURNAMES[(i * 5) % len(SURNAMES)]}"
            user = self._user(
                f"mentor{i + 1:02d}@{DEMO_DOMAIN}",
                name,
                headline=MENTOR_HEADLINES[i % len(MENTOR_HEADLINES)],
                bio=(
                    "Grew up in Pakistan, now building technology abroad. "
                    "I mentor founders on what I learnt the hard way."
                ),
                city=city,
                country=country,
                timezone=tz,
                lives_abroad=True,
                is_mentor=True,
                visibility=Profile.Visibility.PUBLIC,
                is_investor=i % 4 == 0,
                skills=SKILLS[i % len(SKILLS)],
                contact_visibility=Profile.ContactVisibility.INTRODUCED,
            )
            profile = user.profile
            if not profile.sectors.exists():
                profile.sectors.set(self._pick_sectors(2))
                profile.languages.set(
                    [self.languages["ur"], self.languages["en"]]
                    + ([self.languages["de"]] if country == "DE" else [])
                    + ([self.languages["ar"]] if country in {"AE", "SA"} else [])
                )
            mentors.append(user)
        return mentors

    def _incubators(self, manager: User) -> list[Organisation]:
        result = []
        for name, kind, city in INCUBATORS:
            organisation, created = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "slug": name.lower().replace(" ", "-"),
                    "kind": kind,
                    "city": city,
                    "country": "PK",
                    "tagline": "Helping founders build products for export.",
                    "description": "A programme for early-stage startups: mentoring, workspace and milestone funding.",
                },
            )
            if created:
                organisation.sectors.set(self._pick_sectors(4))
            result.append(organisation)
        Membership.objects.get_or_create(
            organisation=result[0], user=manager, defaults={"role": Membership.Role.OWNER, "title": "Programme manager"}
        )
        return result

    def _startups(self, count: int, demo_founder: User, incubators: list[Organisation]) -> list[Organisation]:
        startups = []
        self.founders = []
        for i, (name, sector, tagline) in enumerate(STARTUPS[:count]):
            city = HOME_CITIES[i % len(HOME_CITIES)]
            organisation, created = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "slug": name.lower().replace(" ", "-"),
                    "kind": Organisation.Kind.STARTUP,
                    "city": city,
                    "country": "PK",
                    "tagline": tagline,
                    "description": f"{name}: {tagline.lower()}. Founded in {city}.",
                    "founded_year": 2019 + i % 7,
                },
            )
            if created:
                organisation.sectors.set([self.sectors[sector]])
            founder = (
                demo_founder
                if name == "Raqam Pay"
                else self._user(
                    f"founder{i + 1:02d}@{DEMO_DOMAIN}",
                    f"{FIRST_NAMES[(i * 11 + 3) % len(FIRST_NAMES)]} {SURNAMES[(i * 3 + 1) % len(SURNAMES)]}",
                    headline=f"Founder, {name}",
                    city=city,
                    country="PK",
                    timezone="Asia/Karachi",
                    is_founder=True,
                )
            )
            if created and founder is not demo_founder:
                founder.profile.sectors.set([self.sectors[sector]])
                founder.profile.languages.set([self.languages["ur"], self.languages["en"]])
            Membership.objects.get_or_create(
                organisation=organisation, user=founder, defaults={"role": Membership.Role.OWNER, "title": "CEO"}
            )
            if founder is not demo_founder:
                self.founders.append(founder)
            startups.append(organisation)
        return startups

    def _introductions(self, accounts: dict[str, User], mentors: list[User]) -> None:
        if Introduction.objects.filter(requester=accounts["founder"]).exists():
            return
        now = timezone.now()
        # One accepted (contact details visible), one waiting for the demo mentor to answer.
        Introduction.objects.create(
            requester=accounts["founder"],
            recipient=mentors[0],
            reason="We are preparing our first US customers for payroll exports and would value advice on compliance.",
            status=Introduction.Status.ACCEPTED,
            created_at=now - timedelta(days=6),
            responded_at=now - timedelta(days=5),
            expires_at=now + timedelta(days=8),
        )
        Introduction.objects.create(
            requester=accounts["founder"],
            recipient=accounts["mentor"],
            reason="I would like your view on scaling our payouts system before our seed round.",
            created_at=now - timedelta(days=1),
            expires_at=now + timedelta(days=13),
        )
        for i, (mentor, founder) in enumerate(zip(mentors[1:6], self.founders, strict=False)):
            Introduction.objects.create(
                requester=founder,
                recipient=mentor,
                reason="Our team is looking for guidance on selling to customers abroad.",
                status=Introduction.Status.ACCEPTED if i % 2 == 0 else Introduction.Status.PENDING,
                created_at=now - timedelta(days=3 + i),
                responded_at=now - timedelta(days=2) if i % 2 == 0 else None,
                expires_at=now + timedelta(days=10),
            )

    def _bulk_members(self, target: int) -> int:
        """Make bulk members up to ``target`` in batches, quickly: one password hash, bulk inserts."""
        existing = User.objects.filter(email__endswith=f"@{BULK_DOMAIN}").count()
        if existing >= target:
            return 0
        sectors = list(self.sectors.values())
        languages = [self.languages["ur"], self.languages["en"]]
        cities = DIASPORA_CITIES + [(c, "PK", "Asia/Karachi") for c in HOME_CITIES]
        batch = 5000
        created = 0
        for start in range(existing, target, batch):
            stop = min(start + batch, target)
            with transaction.atomic():
                users = User.objects.bulk_create(
                    [
                        User(email=f"member{n:07d}@{BULK_DOMAIN}", password=self.password_hash, is_active=True)
                        for n in range(start, stop)
                    ]
                )
                if users[0].pk is None:
                    # Backends that do not return ids from bulk inserts.
                    users = list(User.objects.filter(email__in=[u.email for u in users]).order_by("email"))
                # Verified addresses, as every member who finished signing up has (and can sign in with).
                EmailAddress.objects.bulk_create(
                    [EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users]
                )
                profiles = []
                for n, user in zip(range(start, stop), users, strict=True):
                    city, country, tz = cities[n % len(cities)]
                    profiles.append(
                        Profile(
                            user=user,
                            display_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} "
                            f"{SURNAMES[(n // len(FIRST_NAMES)) % len(SURNAMES)]} {n}",
                            headline=MENTOR_HEADLINES[n % len(MENTOR_HEADLINES)],
                            city=city,
                            country=country,
                            timezone=tz,
                            lives_abroad=country != "PK",
                            is_mentor=n % 5 == 0,
                            visibility="public" if n % 5 == 0 else "members",
                            is_founder=n % 7 == 0,
                            is_investor=n % 11 == 0,
                            skills=SKILLS[n % len(SKILLS)],
                        )
                    )
                profiles = Profile.objects.bulk_create(profiles)
                if profiles[0].pk is None:
                    profiles = list(Profile.objects.filter(user__in=users).order_by("user__email"))
                sector_link = Profile.sectors.through
                language_link = Profile.languages.through
                sector_link.objects.bulk_create(
                    [
                        sector_link(profile_id=p.pk, sector_id=sectors[(i + k) % len(sectors)].pk)
                        for i, p in enumerate(profiles, start=start)
                        for k in (0, 5)
                    ]
                )
                language_link.objects.bulk_create(
                    [language_link(profile_id=p.pk, language_id=lang.pk) for p in profiles for lang in languages]
                )
            created += stop - start
        return created
