from django.core.management.base import BaseCommand

from diversion.accounts.matrix import render


class Command(BaseCommand):
    help = "Print the access policy (roles × rules, URLs, scopes, fields) as Markdown."

    def handle(self, *args, **options):
        self.stdout.write(render(), ending="")
