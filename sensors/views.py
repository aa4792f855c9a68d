"""Public pages: the sensor map, each district's air quality, and residents' alert
subscriptions (with the one-click unsubscribe link of alert emails)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civic.actors import Actor
from civic.charts import bar_chart
from civic.errors import CivicError, NotFound
from civic.models import District
from consent.selectors import private_mode_is_on
from sensors import selectors, services
from sensors.alerts import unsubscribe_token_read
from sensors.forms import AlertSubscriptionForm


def sensor_map(request: HttpRequest) -> HttpResponse:
    """Sensors with their latest hourly values, coloured by their district's index."""
    context = selectors.sensor_map(now=timezone.now())
    return render(request, "sensors/sensor_map.html", context)


def district_air(request: HttpRequest, code: str) -> HttpResponse:
    """A district's air quality: the index over 24 hours, PM2.5 over 24 hours and 7 days."""
    district = get_object_or_404(District, code=code)
    figures = selectors.district_air(district=district, now=timezone.now())
    indexes, colour = figures["indexes"], selectors.level_colour
    context = {
        "district": district,
        "scale": figures["scale"],
        "latest": indexes[-1] if indexes else None,
        "index_chart": bar_chart(
            [(_hour(i.hour), i.level, colour(i.level)) for i in indexes], maximum=6
        ),
        "hourly_chart": bar_chart(
            [(_hour(start), round(a.mean, 1), "") for start, a in figures["hourly"]]
        ),
        "daily_chart": bar_chart(
            [
                (date_format(localtime(a.start), "D j"), round(a.mean, 1), "")
                for a in figures["daily"]
            ]
        ),
    }
    return render(request, "sensors/district_air.html", context)


def _hour(moment: datetime) -> str:
    return date_format(localtime(moment), "H:i")


@login_required
def alert_subscriptions(request: HttpRequest) -> HttpResponse:
    """A resident picks the sensor alerts to be emailed about, sees and stops them."""
    actor = Actor.from_request(request)
    action = request.POST.get("action")
    form = AlertSubscriptionForm(request.POST if action == "add" else None)
    if action == "delete":
        try:
            ids = [int(request.POST.get("subscription", ""))]
        except ValueError:
            ids = []
        if services.alert_unsubscribe(actor=actor, subscription_ids=ids):
            messages.success(request, _("You will no longer receive these alerts."))
        return redirect("sensors:alert_subscriptions")
    if form.is_valid():
        try:
            services.alert_subscribe(
                actor=actor,
                district=form.cleaned_data["district"],
                kind=form.cleaned_data["kind"],
            )
        except CivicError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("Subscribed: you will get an email when such an alert opens.")
            )
            return redirect("sensors:alert_subscriptions")
    context = {
        "form": form,
        "subscriptions": selectors.my_alert_subscriptions(actor=actor),
        "private_mode": private_mode_is_on(actor.subject_user),
    }
    return render(
        request, "sensors/alert_subscriptions.html", context, status=400 if form.errors else 200
    )


# Mail clients post the one-click unsubscribe (RFC 8058) without any CSRF token: the signed
# token in the address is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def alert_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an alert email: GET shows what would stop, POST stops it. No sign-in."""
    try:
        user_id, ids = unsubscribe_token_read(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        removed = services.alert_unsubscribe_by_token(token=token)
        return render(request, "sensors/alert_unsubscribe.html", {"done": True, "removed": removed})
    subscriptions = selectors.subscriptions_of_token(user_id=user_id, subscription_ids=ids)
    return render(
        request, "sensors/alert_unsubscribe.html", {"done": False, "subscriptions": subscriptions}
    )
