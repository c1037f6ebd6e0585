from django.contrib import admin

from outbox.models import MailOutage, OutboxMail


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    list_display = ("subject", "created_at", "attempts", "next_try_at", "sent_at", "last_error")
    list_filter = ("sent_at",)
    readonly_fields = [f.name for f in OutboxMail._meta.fields]


@admin.register(MailOutage)
class MailOutageAdmin(admin.ModelAdmin):
    list_display = ("started_at", "ended_at", "failed_tries", "last_error")
