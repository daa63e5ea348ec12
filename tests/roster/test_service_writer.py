"""The roster services refuse every writer but the base's own officer and platform account,
whoever calls them (defence in depth: the pages and the API answer first with 404 or 403)."""

import datetime as dt

from django.core.exceptions import ValidationError

from bases.models import AuditEvent, Role
from bases.roster import services, workbook
from bases.roster.models import Enterprise, EnterpriseYear, RosterChange
from tests.roster.helpers import RosterTestCase, credit_code, figures
from tests.workbook_files import upload, xlsx


class RosterServiceWriterTests(RosterTestCase):
    def outsiders(self):
        return [self.bob, self.carol, self.rita, self.pat, self.sam, self.audrey]

    def assert_refused(self, write, actor) -> None:
        refusals = AuditEvent.objects.filter(event="roster_refused", outcome="denied",
                                             actor=actor).count()
        with self.assertRaises(ValidationError) as refused:
            write(actor)
        self.assertEqual(refused.exception.messages, [services.NOT_WRITER])
        self.assertEqual(AuditEvent.objects.filter(event="roster_refused", outcome="denied",
                                                   actor=actor).count(), refusals + 1)

    def test_services_refuse_anyone_but_the_bases_writer_and_save_nothing(self):
        fields = services.EnterpriseFields(name="外来企业", credit_code=credit_code(50),
                                           moved_in=dt.date(2018, 1, 1))
        writes = {
            "create": lambda actor: services.create_enterprise(
                base=self.base_a, fields=fields, actor=actor),
            "update": lambda actor: services.update_enterprise(
                enterprise=self.ent_a, fields=fields, actor=actor),
            "move_out": lambda actor: services.move_out(
                enterprise=self.ent_a, moved_out=dt.date(2019, 1, 1), actor=actor),
            "figures": lambda actor: services.set_year_figures(
                enterprise=self.ent_a, year=2018, values=figures(), actor=actor),
        }
        for actor in self.outsiders():
            for name, write in writes.items():
                with self.subTest(actor=actor.username, write=name):
                    self.assert_refused(write, actor)
        self.ent_a.refresh_from_db()
        self.assertEqual((self.ent_a.name, self.ent_a.moved_out), ("湘江智造科技有限公司", None))
        self.assertFalse(Enterprise.objects.filter(credit_code=credit_code(50)).exists())
        self.assertFalse(EnterpriseYear.objects.exists())
        self.assertFalse(RosterChange.objects.exists())

    def test_the_bases_officer_and_platform_account_may_write(self):
        platform = self.make_user("platform_a", Role.PLATFORM, base=self.base_a)
        for actor in (self.alice, platform):
            with self.subTest(actor=actor.username):
                services.set_year_figures(enterprise=self.ent_a, year=2018,
                                          values=figures(employees=actor.pk), actor=actor)
                self.assertEqual(EnterpriseYear.objects.get(enterprise=self.ent_a).employees,
                                 actor.pk)

    def test_roster_workbook_import_refuses_another_bases_officer_and_saves_nothing(self):
        book = upload(xlsx([["企业名称", "统一社会信用代码", "入驻日期"],
                            ["外来企业", credit_code(51), "2018-01-01"]], sheet="名册"))
        result = workbook.import_roster(base=self.base_a, actor=self.bob, year=2018, file=book)
        self.assertEqual([error.message for error in result.errors], [services.NOT_WRITER])
        self.assertFalse(Enterprise.objects.filter(credit_code=credit_code(51)).exists())
        self.assertTrue(AuditEvent.objects.filter(event="roster_import", outcome="denied",
                                                  actor=self.bob).exists())
