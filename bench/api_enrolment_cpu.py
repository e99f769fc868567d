"""CPU time per ``POST /api/v1/workshops/<id>/enrolment``, in process (Flask's test client,
a fresh SQLite file): 40 workshops of 5 seats, 10 learners each enrolling in every one (5
seated, 5 waiting). CPU time is steadier than wall time on a shared machine.

    python bench/api_enrolment_cpu.py .            # this checkout
    python bench/api_enrolment_cpu.py /tmp/aula-main  # another (before/after)
"""

import os
import sys
import tempfile
import time

root = sys.argv[1]
sys.path.insert(0, root)
os.chdir(root)
from datetime import timedelta  # noqa: E402 (after the checkout's path)

from lms import create_app  # noqa: E402
from lms.db import db, utcnow  # noqa: E402

tmp = tempfile.mkdtemp()
app = create_app(
    {
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
        "SECRET_KEY": "x",
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "DELIVER_IN_PROCESS": False,
    },
    instance_path=tmp,
)
N = 400
with app.app_context():
    from courses.workshops import operations
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user, issue_token

    trainer = create_user("t@x.org", "T", "a good password 1", role=Role.trainer, confirmed=True)
    db.session.commit()
    ids = []
    for i in range(N // 10):
        w = operations.create_workshop(
            trainer=trainer,
            title=f"W{i}",
            starts_at=utcnow() + timedelta(days=7),
            ends_at=utcnow() + timedelta(days=7, hours=1),
            timezone="Europe/Madrid",
            capacity=5,
        )
        db.session.commit()
        ids.append(w.id)
    tokens = []
    for i in range(10):
        u = create_user(f"l{i}@x.org", f"L{i}", "a good password 1", confirmed=True)
        db.session.commit()
        tokens.append(issue_token(u))
        db.session.commit()
client = app.test_client()
c0 = time.process_time()
t0 = time.perf_counter()
statuses = {}
for wid in ids:
    for tok in tokens:
        r = client.post(
            f"/api/v1/workshops/{wid}/enrolment", headers={"Authorization": f"Bearer {tok}"}
        )
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
cpu = time.process_time() - c0
wall = time.perf_counter() - t0
print(
    f"{root}: {N} enrolments, {cpu / N * 1000:.2f} ms CPU each ({N / cpu:.0f}/s of CPU),"
    f" wall {N / wall:.0f}/s, {statuses}"
)
