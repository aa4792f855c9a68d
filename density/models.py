"""The transit network, imported from GTFS, and the counters tied to it.

Every GTFS object is identified by its feed and its GTFS id, so re-importing a feed updates the
same rows: what crowd reports, forecasts and counter links point at survives a timetable change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Feed(models.Model):
    """One GTFS feed (a publisher's zip), the namespace of the GTFS ids it contains."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    source = models.CharField(_("imported from"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("GTFS feed")
        verbose_name_plural = _("GTFS feeds")

    def __str__(self) -> str:
        return self.name or self.code


class Agency(models.Model):
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="agencies")
    # Empty when the feed has a single agency and leaves agency_id out, as GTFS allows.
    gtfs_id = models.CharField(_("GTFS id"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("website"), max_length=500)
    timezone = models.CharField(_("time zone"), max_length=64)
    lang = models.CharField(_("language"), max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)

    class Meta:
        ordering = ["feed", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["feed", "gtfs_id"], name="density_agency_gtfs_id")
        ]

    def __str__(self) -> str:
        return self.name


class RouteType(models.IntegerChoices):
    TRAM = 0, _("Tram")
    METRO = 1, _("Metro")
    RAIL = 2, _("Train")
    BUS = 3, _("Bus")
    FERRY = 4, _("Ferry")
    CABLE_TRAM = 5, _("Cable tram")
    AERIAL_LIFT = 6, _("Aerial lift")
    FUNICULAR = 7, _("Funicular")
    TROLLEYBUS = 11, _("Trolleybus")
    MONORAIL = 12, _("Monorail")


class Route(models.Model):
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="routes")
    gtfs_id = models.CharField(_("GTFS id"), max_length=100)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="routes")
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    long_name = models.CharField(_("long name"), max_length=300, blank=True)
    # Not limited to RouteType: extended route types (700 bus service…) are valid GTFS too.
    route_type = models.PositiveIntegerField(_("type"))
    color = models.CharField(_("colour"), max_length=6, blank=True)
    text_color = models.CharField(_("text colour"), max_length=6, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), null=True, blank=True)

    class Meta:
        ordering = ["feed", "sort_order", "short_name", "long_name"]
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        constraints = [
            models.UniqueConstraint(fields=["feed", "gtfs_id"], name="density_route_gtfs_id")
        ]

    def __str__(self) -> str:
        if self.short_name and self.long_name:
            return f"{self.short_name} - {self.long_name}"
        return self.short_name or self.long_name or self.gtfs_id


class Stop(models.Model):
    class LocationType(models.IntegerChoices):
        STOP = 0, _("Stop or platform")
        STATION = 1, _("Station")
        ENTRANCE = 2, _("Entrance or exit")
        NODE = 3, _("Generic node")
        BOARDING_AREA = 4, _("Boarding area")

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="stops")
    gtfs_id = models.CharField(_("GTFS id"), max_length=100)
    code = models.CharField(_("code"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Empty only for generic nodes and boarding areas, as GTFS allows.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_type = models.PositiveSmallIntegerField(
        _("location type"), choices=LocationType.choices, default=LocationType.STOP
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    platform_code = models.CharField(_("platform"), max_length=32, blank=True)

    class Meta:
        ordering = ["feed", "name"]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        constraints = [
            models.UniqueConstraint(fields=["feed", "gtfs_id"], name="density_stop_gtfs_id")
        ]
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return self.name or self.gtfs_id


class Calendar(models.Model):
    """A service's weekly pattern between two dates (GTFS calendar.txt)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="calendars")
    service_id = models.CharField(_("service"), max_length=100)
    monday = models.BooleanField(_("Monday"))
    tuesday = models.BooleanField(_("Tuesday"))
    wednesday = models.BooleanField(_("Wednesday"))
    thursday = models.BooleanField(_("Thursday"))
    friday = models.BooleanField(_("Friday"))
    saturday = models.BooleanField(_("Saturday"))
    sunday = models.BooleanField(_("Sunday"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))

    class Meta:
        ordering = ["feed", "service_id"]
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")
        constraints = [
            models.UniqueConstraint(fields=["feed", "service_id"], name="density_calendar_service")
        ]

    def __str__(self) -> str:
        return self.service_id

    @property
    def weekdays(self) -> tuple[bool, bool, bool, bool, bool, bool, bool]:
        """Monday first, as ``date.weekday()`` counts."""
        return (
            self.monday,
            self.tuesday,
            self.wednesday,
            self.thursday,
            self.friday,
            self.saturday,
            self.sunday,
        )


class CalendarDate(models.Model):
    """A date a service is added or removed (GTFS calendar_dates.txt)."""

    class ExceptionType(models.IntegerChoices):
        ADDED = 1, _("Service added")
        REMOVED = 2, _("Service removed")

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="calendar_dates")
    service_id = models.CharField(_("service"), max_length=100)
    date = models.DateField(_("date"))
    exception_type = models.PositiveSmallIntegerField(_("exception"), choices=ExceptionType.choices)

    class Meta:
        ordering = ["feed", "date", "service_id"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "service_id", "date"], name="density_calendar_date_service"
            )
        ]
        indexes = [models.Index(fields=["feed", "date"])]

    def __str__(self) -> str:
        return f"{self.service_id} {self.date} {self.get_exception_type_display()}"


class Trip(models.Model):
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="trips")
    gtfs_id = models.CharField(_("GTFS id"), max_length=100)
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="trips")
    service_id = models.CharField(_("service"), max_length=100)
    headsign = models.CharField(_("headsign"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    # GTFS leaves direction_id optional; a route without it has one direction, stored as 0.
    direction_id = models.PositiveSmallIntegerField(_("direction"), default=0)
    block_id = models.CharField(_("block"), max_length=100, blank=True)
    shape_id = models.CharField(_("shape"), max_length=100, blank=True)

    class Meta:
        ordering = ["feed", "gtfs_id"]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        constraints = [
            models.UniqueConstraint(fields=["feed", "gtfs_id"], name="density_trip_gtfs_id")
        ]
        indexes = [models.Index(fields=["route", "direction_id"])]

    def __str__(self) -> str:
        return self.gtfs_id


class StopTime(models.Model):
    """A trip's call at a stop.

    Times are seconds since the service day's midnight (GTFS: noon minus 12 h), so a call at
    25:10:00 is 90600, after midnight but on the same service day. Empty for a call whose time
    GTFS leaves to interpolation.
    """

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stop_times")
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="stop_times")
    stop_sequence = models.PositiveIntegerField(_("sequence"))
    arrival = models.PositiveIntegerField(_("arrival (s)"), null=True, blank=True)
    departure = models.PositiveIntegerField(_("departure (s)"), null=True, blank=True)
    headsign = models.CharField(_("headsign"), max_length=200, blank=True)
    pickup_type = models.PositiveSmallIntegerField(_("pickup"), default=0)
    drop_off_type = models.PositiveSmallIntegerField(_("drop-off"), default=0)

    class Meta:
        ordering = ["trip", "stop_sequence"]
        verbose_name = _("stop time")
        verbose_name_plural = _("stop times")
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "stop_sequence"], name="density_stop_time_sequence"
            )
        ]
        indexes = [models.Index(fields=["stop", "departure"])]

    def __str__(self) -> str:
        return f"{self.trip_id} #{self.stop_sequence}"


class Frequency(models.Model):
    """A frequency-based trip: its stop times are a template repeated every headway."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="frequencies")
    start = models.PositiveIntegerField(_("start (s)"))
    end = models.PositiveIntegerField(_("end (s)"))
    headway = models.PositiveIntegerField(_("headway (s)"))
    exact_times = models.BooleanField(_("exact times"), default=False)

    class Meta:
        ordering = ["trip", "start"]
        verbose_name = _("frequency")
        verbose_name_plural = _("frequencies")
        constraints = [
            models.UniqueConstraint(fields=["trip", "start"], name="density_frequency_start")
        ]

    def __str__(self) -> str:
        return f"{self.trip_id} {self.start}-{self.end}/{self.headway}"


class RoutePattern(models.Model):
    """A route in one direction, rebuilt at each import: what a resident picks ("towards X")."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="patterns")
    direction_id = models.PositiveSmallIntegerField(_("direction"))
    headsign = models.CharField(_("towards"), max_length=200, blank=True)
    trip_count = models.PositiveIntegerField(_("trips"), default=0)

    class Meta:
        ordering = ["route", "direction_id"]
        verbose_name = _("line direction")
        verbose_name_plural = _("line directions")
        constraints = [
            models.UniqueConstraint(
                fields=["route", "direction_id"], name="density_route_pattern_direction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.route} → {self.headsign or self.direction_id}"


class RouteStop(models.Model):
    """A stop of a route direction, in the order of its most common trip pattern.

    Stops only other patterns serve (branches, short turns) are slotted in after the stop they
    follow on those trips. Each stop appears once per direction, so (route, direction, stop)
    names one place on the line for crowd reports and forecasts.
    """

    pattern = models.ForeignKey(RoutePattern, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveIntegerField(_("position"))
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="route_stops")
    trip_count = models.PositiveIntegerField(_("trips calling"), default=0)

    class Meta:
        ordering = ["pattern", "position"]
        verbose_name = _("stop of a line")
        verbose_name_plural = _("stops of a line")
        constraints = [
            models.UniqueConstraint(
                fields=["pattern", "position"], name="density_route_stop_position"
            ),
            models.UniqueConstraint(fields=["pattern", "stop"], name="density_route_stop_stop"),
        ]

    def __str__(self) -> str:
        return f"{self.pattern} #{self.position} {self.stop}"


class CounterLink(models.Model):
    """Ties a passenger counter (a ``sensors`` sensor) to the network, which sensors knows not.

    A counter either stands at a stop (it counts one direction's boardings there) or rides a
    vehicle (its readings belong to whichever trip the vehicle runs, in either direction unless
    one is given).
    """

    sensor = models.ForeignKey(
        "sensors.Sensor",
        verbose_name=_("counter"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Protected: a re-import that drops a linked route or stop must say so, not unlink silently.
    route = models.ForeignKey(
        Route, verbose_name=_("line"), on_delete=models.PROTECT, related_name="counter_links"
    )
    direction_id = models.PositiveSmallIntegerField(
        _("direction"), null=True, blank=True, help_text=_("Empty: both directions (a vehicle).")
    )
    stop = models.ForeignKey(
        Stop,
        verbose_name=_("stop"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="counter_links",
    )
    vehicle = models.CharField(_("vehicle"), max_length=64, blank=True)
    # How far its calibrated levels agree with passengers' reports (1: fully), learned nightly.
    reliability = models.FloatField(_("reliability"), default=1.0)
    reliability_pairs = models.PositiveIntegerField(_("readings compared with reports"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["route", "direction_id", "sensor"]
        verbose_name = _("counter link")
        verbose_name_plural = _("counter links")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(stop__isnull=False, vehicle="", direction_id__isnull=False)
                    | models.Q(stop__isnull=True, vehicle__gt="")
                ),
                name="density_counter_link_stop_xor_vehicle",
            ),
            models.UniqueConstraint(
                fields=["sensor", "route"], name="density_counter_link_sensor_route"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sensor} → {self.route}"


class CrowdReport(models.Model):
    """How crowded a passenger found a line at a stop: anonymous by construction.

    No account is ever stored: only the hash of a rotating device token (a cookie renewed every
    90 days), used for rate limits, repeats and counting distinct contributors, never published.
    Raw rows are folded into per-cell totals and deleted after ``CIVIC_DENSITY_RAW_RETENTION_DAYS``.
    """

    class Level(models.IntegerChoices):
        LOW = 1, _("Low: seats free")
        AVERAGE = 2, _("Average: no seats, a few standing")
        HIGH = 3, _("High: many standing")
        VERY_HIGH = 4, _("Very high: packed")
        MAXIMUM = 5, _("Maximum: hard to get on")

    route = models.ForeignKey(
        Route, verbose_name=_("line"), on_delete=models.CASCADE, related_name="crowd_reports"
    )
    direction_id = models.PositiveSmallIntegerField(_("direction"))
    stop = models.ForeignKey(
        Stop, verbose_name=_("stop"), on_delete=models.CASCADE, related_name="crowd_reports"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    observed_at = models.DateTimeField(_("observed at"))
    channel = models.CharField(_("channel"), max_length=16)
    device_hash = models.CharField(_("device (hashed)"), max_length=64, db_index=True)
    # The engine's number for the device (a hash of the hash), so a rebuild hashes nothing.
    device = models.BigIntegerField(_("device number"))
    # The forecast cell (line, stop, day type, quarter hour), see density.cells.
    cell = models.BigIntegerField(_("cell"), db_index=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-observed_at"]
        verbose_name = _("crowd report")
        verbose_name_plural = _("crowd reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="density_crowd_report_level"
            )
        ]
        indexes = [
            models.Index(fields=["observed_at"]),
            models.Index(fields=["route", "direction_id", "observed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.route} {self.stop} {self.level}"


class ExcludedDevice(models.Model):
    """A device token whose reports staff excluded (abuse): they are deleted and refused."""

    device_hash = models.CharField(_("device (hashed)"), max_length=64, unique=True)
    reason = models.TextField(_("reason"))
    excluded_at = models.DateTimeField(_("excluded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("excluded device")
        verbose_name_plural = _("excluded devices")

    def __str__(self) -> str:
        return self.device_hash[:12]


class Forecast(models.Model):
    """The expected crowding of one cell: line direction, stop, day type and quarter hour."""

    cell = models.BigIntegerField(_("cell"), unique=True)
    route = models.ForeignKey(
        Route, verbose_name=_("line"), on_delete=models.CASCADE, related_name="forecasts"
    )
    direction_id = models.PositiveSmallIntegerField(_("direction"))
    stop = models.ForeignKey(
        Stop, verbose_name=_("stop"), on_delete=models.CASCADE, related_name="forecasts"
    )
    day_type = models.CharField(_("day type"), max_length=16)
    slot = models.PositiveSmallIntegerField(_("quarter hour"))
    level = models.FloatField(_("expected level"))
    confidence = models.FloatField(_("confidence"))
    samples = models.PositiveIntegerField(_("reports and counts"))

    class Meta:
        ordering = ["route", "direction_id", "day_type", "slot", "stop"]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        indexes = [models.Index(fields=["route", "direction_id", "day_type", "slot"])]

    def __str__(self) -> str:
        return f"{self.route} {self.stop} {self.day_type} {self.slot}: {self.level:.1f}"


class CellStatistic(models.Model):
    """The engine's sufficient statistics of one cell (``forecast.CellTable``'s row), so an
    incremental rebuild recomputes only the cells that changed. ``archived`` rows hold what
    reports past retention taught (no device ids), the others every kept observation."""

    cell = models.BigIntegerField(_("cell"))
    archived = models.BooleanField(_("archived"), default=False)
    top = models.FloatField(null=True)  # None: no report (minus infinity in the engine)
    decayed = models.BinaryField()  # five float64
    counts = models.BinaryField()  # five float64
    devices = models.PositiveIntegerField()
    first_devices = models.BinaryField()  # k int64
    counter_mean = models.FloatField(default=0.0)
    counter_strength = models.FloatField(default=0.0)
    counter_readings = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("cell statistic")
        verbose_name_plural = _("cell statistics")
        constraints = [
            models.UniqueConstraint(fields=["archived", "cell"], name="density_cell_statistic")
        ]

    def __str__(self) -> str:
        return str(self.cell)


class DirtyCell(models.Model):
    """A cell that lost data (a replaced, excluded or folded report) since the last rebuild;
    new reports are found by id, so only removals are written here."""

    cell = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.cell)


class RouteCalibration(models.Model):
    """Passengers counted → level for one route, learned nightly from counters and reports."""

    route = models.OneToOneField(Route, on_delete=models.CASCADE, related_name="calibration")
    intercept = models.FloatField()
    slope = models.FloatField()
    fitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("counter calibration")
        verbose_name_plural = _("counter calibrations")

    def __str__(self) -> str:
        return f"{self.route}: {self.intercept} + {self.slope} * passengers"


class ForecastRun(models.Model):
    """One rebuild: how far it read (the watermarks of the next incremental run) and its cost."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), auto_now_add=True)
    full = models.BooleanField(_("full"))
    last_report_id = models.BigIntegerField(_("last report read"))
    counters_until = models.DateTimeField(_("counter readings until"))
    cells_recomputed = models.PositiveIntegerField(_("cells recomputed"))
    forecasts = models.PositiveIntegerField(_("forecasts"))
    seconds = models.FloatField(_("duration (s)"))

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("forecast run")
        verbose_name_plural = _("forecast runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'full' if self.full else 'incremental'}"


class FavouriteLine(models.Model):
    """A line a signed-in resident keeps at the top of the report page.

    Personal data (registered in ``density.personal_data``): it says which lines someone rides.
    It is never joined to crowd reports, which stay anonymous.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="favourite_lines",
    )
    route = models.ForeignKey(
        Route, verbose_name=_("line"), on_delete=models.CASCADE, related_name="favourites"
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["user", "created_at"]
        verbose_name = _("favourite line")
        verbose_name_plural = _("favourite lines")
        constraints = [
            models.UniqueConstraint(fields=["user", "route"], name="density_favourite_line")
        ]

    def __str__(self) -> str:
        return str(self.route)


class PublishedForecast(models.Model):
    """What the forecast published for one cell at the start of a week (a Monday, local time),
    kept until that week is scored: the accuracy compares it with what followed."""

    week = models.DateField(_("week of"))
    cell = models.BigIntegerField(_("cell"))
    route = models.ForeignKey(
        Route, verbose_name=_("line"), on_delete=models.CASCADE, related_name="+"
    )
    level = models.FloatField(_("expected level"))

    class Meta:
        verbose_name = _("published forecast")
        verbose_name_plural = _("published forecasts")
        constraints = [
            models.UniqueConstraint(fields=["week", "cell"], name="density_published_forecast")
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.cell}: {self.level:.1f}"


class WeeklyAccuracy(models.Model):
    """How far the forecast published at the start of a week was from the reports and counter
    readings of that week: for one line, or for every line (``route`` empty)."""

    week = models.DateField(_("week of"))
    route = models.ForeignKey(
        Route,
        verbose_name=_("line"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="weekly_accuracy",
    )
    reports = models.PositiveIntegerField(_("reports compared"))
    counter_readings = models.PositiveIntegerField(_("counter readings compared"))
    mean_absolute_error = models.FloatField(_("mean error (levels)"), null=True)
    exact_share = models.FloatField(_("same level (share)"), null=True)
    scored_at = models.DateTimeField(_("scored at"), auto_now=True)

    class Meta:
        ordering = ["-week", "route"]
        verbose_name = _("weekly forecast accuracy")
        verbose_name_plural = _("weekly forecast accuracy")
        constraints = [
            models.UniqueConstraint(
                fields=["week", "route"],
                name="density_weekly_accuracy",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.route or '*'}"
