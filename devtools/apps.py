from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Benchmarks and their floors: installed where ``RABTA_DEVTOOLS`` is on (development and the
    tests, by default; never in production unless asked), imported by nothing the product runs."""

    name = "devtools"
    verbose_name = "Development tools"
