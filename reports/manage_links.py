"""Ask again for a report's private manage link: the form, and the page that answers it the
same way whether or not the address sent any report."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from civic.actors import Actor
from civic.net import client_ip
from reports import services


class ManageLinksForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address you gave with your report"),
        max_length=254,
        help_text=gettext_lazy("We send the links of its reports to that address only."),
    )


def manage_links_request(request: HttpRequest) -> HttpResponse:
    form = ManageLinksForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.manage_links_send(
                actor=Actor.from_request(request),
                email=form.cleaned_data["email"],
                client_ip=client_ip(request),
            )
        except services.TooManyRequests as exc:
            messages.error(request, exc.message)
            return render(request, "reports/manage_links.html", _context(form), status=429)
        return redirect("reports:manage_links_sent")
    return render(request, "reports/manage_links.html", _context(form))


def _context(form: ManageLinksForm) -> dict[str, object]:
    return {"form": form, "manage_link_days": settings.CIVIC_REPORTS_MANAGE_LINK_DAYS}


def manage_links_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/manage_links_sent.html")
