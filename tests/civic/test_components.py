"""The design system's shared partials: the one form field every app renders its fields with,
the error summary, and the page frame (title, header, language switch) they sit in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civic.forms import MultipleFileInput


class EveryKindForm(forms.Form):
    name = forms.CharField(label="Name", max_length=20, help_text="As on your letterbox.")
    story = forms.CharField(label="Story", widget=forms.Textarea, max_length=500)
    kind = forms.ChoiceField(
        label="Kind", choices=[("a", "Apple"), ("b", "Bear")], widget=forms.RadioSelect
    )
    district = forms.ChoiceField(label="District", choices=[("", "—"), ("n", "North")])
    scopes = forms.MultipleChoiceField(
        label="Scopes", choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple
    )
    agree = forms.BooleanField(label="I agree")
    photos = forms.FileField(label="Photos", widget=MultipleFileInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def _render(form: forms.Form, name: str, **extra: object) -> str:
    return render_to_string("components/field.html", {"field": form[name], **extra})


def test_it_draws_a_text_input_with_its_hint_and_error_linked() -> None:
    with translation.override("en"):
        form = EveryKindForm(data={"name": "x" * 25})
        form.is_valid()
        html = _render(form, "name")

    assert 'class="govuk-input govuk-input--error"' in html
    assert 'maxlength="20"' in html
    assert 'aria-describedby="id_name-hint id_name-error"' in html
    assert '<div class="govuk-hint" id="id_name-hint">As on your letterbox.</div>' in html
    assert 'id="id_name-error"' in html and "at most 20 characters" in html


def test_it_counts_the_characters_of_a_textarea_in_the_page_language() -> None:
    form = EveryKindForm()
    with translation.override("fr"):
        html = _render(form, "story")

    assert 'data-module="govuk-character-count" data-maxlength="500"' in html
    assert "govuk-js-character-count" in html
    # No hard limit in the browser: the count tells, the server refuses.
    assert "maxlength=" not in html.split("<textarea", 1)[1].split(">", 1)[0]
    assert 'data-i18n.characters-under-limit.other="Il vous reste %{count} caractères"' in html
    assert "Vous pouvez saisir jusqu\u2019à 500 caractères" in html
    assert "You have" not in html


def test_it_draws_radios_that_reveal_a_block() -> None:
    form = EveryKindForm(data={"kind": "b"})

    html = _render(form, "kind", reveal=",b,")

    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Kind' in html
    assert 'data-module="govuk-radios"' in html
    apple, bear = html.split('class="govuk-radios__input"')[1:]
    assert "data-aria-controls" not in apple
    assert 'value="b" checked data-aria-controls="id_kind-conditional-b"' in bear


def test_it_draws_a_select_checkboxes_and_a_single_checkbox() -> None:
    form = EveryKindForm(data={"district": "n", "scopes": ["y"]})

    select = _render(form, "district")
    scopes = _render(form, "scopes")
    agree = _render(form, "agree")

    assert '<select class="govuk-select" id="id_district" name="district" required>' in select
    assert '<option value="n" selected>North</option>' in select
    assert scopes.count('class="govuk-checkboxes__input"') == 2
    assert 'value="y" checked' in scopes
    assert 'type="checkbox"' in agree and "govuk-checkboxes__label" in agree


def test_it_draws_a_file_upload_in_the_page_language() -> None:
    form = EveryKindForm()
    with translation.override("fr"):
        html = _render(form, "photos")

    assert 'data-module="govuk-file-upload"' in html
    assert 'class="govuk-file-upload" id="id_photos" name="photos" type="file"' in html
    assert " multiple" in html
    assert 'data-i18n.choose-files-button="Choisir des fichiers"' in html
    assert 'data-i18n.no-file-chosen="Aucun fichier choisi"' in html


def test_it_leaves_hidden_fields_as_they_are() -> None:
    html = _render(EveryKindForm(), "token").strip()

    assert html == '<input type="hidden" name="token" id="id_token">'


def test_it_links_each_error_of_the_summary_to_its_field() -> None:
    with translation.override("en"):
        form = EveryKindForm(data={})
        form.is_valid()
        html = render_to_string("components/error_summary.html", {"form": form})

    assert 'data-module="govuk-error-summary"' in html
    assert '<a href="#id_story">Story: This field is required.</a>' in html
    # Radios and checkboxes: the first option, where the focus can land.
    assert '<a href="#id_kind_0">' in html and '<a href="#id_scopes_0">' in html


def test_it_is_the_only_form_field_partial() -> None:
    base = Path(settings.BASE_DIR)
    partials = [
        path.relative_to(base).as_posix()
        for pattern in ("templates/**/*field.html", "*/templates/**/*field.html")
        for path in base.glob(pattern)
    ]

    assert partials == ["templates/components/field.html"]


@pytest.mark.django_db
def test_it_titles_tabs_page_then_city_and_names_the_city_in_the_header(client: Client) -> None:
    html = client.get(reverse("accessibility"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<title>Accessibility statement — Civic-sur-Loire</title>" in html
    assert '<a class="civic-header__home" href="/"><span>Civic-sur-Loire</span></a>' in html


@pytest.mark.django_db
def test_it_shows_the_city_logo_when_configured(client: Client, settings: object) -> None:
    settings.CIVIC_CITY = {**settings.CIVIC_CITY, "logo_url": "/media/logo.svg"}  # type: ignore[attr-defined]

    html = client.get(reverse("home")).content.decode()

    assert '<img class="civic-header__logo" src="/media/logo.svg" alt="">' in html
