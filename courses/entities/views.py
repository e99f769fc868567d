from flask import Blueprint

bp = Blueprint("entities", __name__)
