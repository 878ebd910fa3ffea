"""Forms of the EPS agenda: the facts-sharing switch (decisions are taken in a séance, app/eps)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class ShareForm(FlaskForm):
    shared = HiddenField(validators=[AnyOf(["0", "1"])])
