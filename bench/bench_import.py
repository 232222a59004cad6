"""Registry import at scale: a messy 100,000-row .xlsx imported, then imported again unchanged.

    python bench/bench_import.py                       # SQLite and PostgreSQL, 100,000 rows
    python bench/bench_import.py --rows 20000 --only sqlite
    python bench/bench_import.py --file /tmp/bench-import-…/registry.xlsx   # skip writing the file

Each import runs in its own process (`crm import merchants`'s code path, apply_import) so its
peak memory (ru_maxrss) is the import's own; `parse_s` beside it is the time to only read the same
file's rows (another process, run right after, so both meet the same load), the floor under any
import; `cpu_s`/`parse_cpu_s` are their CPU seconds, `db_cpu_s` the PostgreSQL server's for the import
(its backend process, read from /proc: the server runs here), and `load` the load average. Targets (issue #16): first import
≤ 10 s and ≤ 500 MB; unchanged re-import ≤ 3 s and writes nothing ("wrote"). The database is a private one made for the
run (a temporary SQLite file; PostgreSQL database crm_bench_import, dropped at the end) — the
shared datasets are not touched.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

import common
from openpyxl import Workbook
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from crm.audit.models import AuditEvent
from crm.extensions import db
from crm.merchants import credit_code
from crm.merchants.models import Merchant
from crm.regions.models import Region

COUNTIES = ("潞州区", "上党区", "屯留区", "潞城区", "襄垣县", "平顺县", "黎城县", "壶关县", "长子县", "武乡县", "沁县",
            "沁源县")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟"
GIVEN = "建国华明伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛超霞平刚桂兰金凤玉梅春红新长荣福贵兴旺德顺发和"
SHOPS = ("干洗店", "五金店", "面馆", "超市", "便利店", "饭店", "物流", "服装店", "理发店", "烟酒店", "农资店", "修车行",
         "小吃部", "水果店", "药店", "家电维修部", "建材商行", "茶叶店", "蔬菜批发部", "快递驿站")
TRADES = ("批发零售", "批发和零售业", "住宿和餐饮业", "住宿餐饮", "交通运输、仓储和邮政业", "农、林、牧、渔业", "制造业",
          "居民服务、修理和其他服务业", "信息技术", "")
TIERS = ("生存型", "成长型", "发展型", "", "生存型")
STATUSES = ("存续", "在业", "存续（在营、开业、在册）", "吊销", "注销", "经营异常", "存续")
HEADER = ["序号", "统一社会信用代码", "名 称", "经营者", "联系电话", "成立日期", "行业", "分型", "名特优新", "名特优新有效期",
          "登记状态", "失信", "主体类型", "县区", "乡镇", "商圈", "地址", "年营业收入（万元）"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def build_territory(url: str, towns_per_county: int = 10, districts_per_town: int = 5) -> dict:
    """A fresh schema with Changzhi's 12 counties, their towns and districts; names for the file."""
    app = common.app_for(url)
    with app.app_context():
        db.create_all()
        city = Region(level="city", name="长治市", code="140400")
        db.session.add(city)
        db.session.flush()
        places = []
        for c, county_name in enumerate(COUNTIES):
            county = Region(level="county", name=county_name, parent_id=city.id, code=f"1404{c + 1:02d}")
            db.session.add(county)
            db.session.flush()
            for t in range(towns_per_county):
                town = Region(level="town", name=f"{county_name[:2]}{t + 1}镇", parent_id=county.id)
                db.session.add(town)
                db.session.flush()
                for d in range(districts_per_town):
                    db.session.add(Region(level="district", name=f"{town.name}{d + 1}号商圈", parent_id=town.id,
                                          district_kind="business_district", households=200))
                    places.append((county_name, town.name, f"{town.name}{d + 1}号商圈", county.code))
        db.session.commit()
    return {"places": places}


def _messy_date(rng: random.Random, day: date):
    style = rng.randrange(6)
    if style == 0:
        return (day - date(1899, 12, 30)).days  # an Excel serial typed as a number
    if style == 1:
        return day  # a real date cell
    if style == 2:
        return day.isoformat()
    if style == 3:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 4:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat().translate(FULL_WIDTH)


def write_registry(path: str, rows: int, places: list, seed: int = 5) -> dict:
    """A realistic messy export: mixed dates, full-width digits, spaces, ~1 % bad codes, duplicates."""
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名录库")
    sheet.append(["长治市个体工商户名录库（导出）"])
    sheet.append(HEADER)
    codes: list[str] = []
    kinds = {"bad_code": 0, "duplicate": 0, "unknown_county": 0}
    for n in range(rows):
        county, town, district, division = rng.choice(places)
        code = credit_code.make(division, rng)
        roll = rng.random()
        if roll < 0.006:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")
            kinds["bad_code"] += 1
        elif roll < 0.01 and codes:
            code = rng.choice(codes)
            kinds["duplicate"] += 1
        elif roll < 0.012:
            county = "火星县"
            kinds["unknown_county"] += 1
        codes.append(code)
        shown = code.translate(FULL_WIDTH) if rng.random() < 0.05 else code
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) + rng.choice(SHOPS)
        if rng.random() < 0.1:
            name = name[:2] + " " + name[2:] + "　"
        registered = date(2005, 1, 1) + timedelta(days=rng.randrange(7000))
        distinguished = rng.random() < 0.03
        sheet.append([
            n + 1, shown, name, rng.choice(SURNAMES) + rng.choice(GIVEN),
            f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", _messy_date(rng, registered), rng.choice(TRADES),
            rng.choice(TIERS), "是" if distinguished else "否",
            _messy_date(rng, date(2026, 12, 31)) if distinguished else "", rng.choice(STATUSES),
            "是" if rng.random() < 0.01 else "否", rng.choice(("个体工商户", "个体", "有限责任公司")),
            county, town, district if rng.random() < 0.95 else "", f"{town}{rng.randrange(1, 300)}号",
            round(rng.uniform(5, 300), 2),
        ])
    workbook.save(path)
    return kinds


def _backend_cpu(pid: int | None) -> float:
    """CPU seconds a local PostgreSQL backend has used so far (0 for SQLite, which works in this process)."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(url: str, path: str) -> None:
    """Run one import in this process and print its figures as JSON."""
    from crm.imports.operations import apply_import

    app = common.app_for(url)
    with app.app_context():
        # The app's one pooled connection: the import runs on this backend too.
        backend = db.session.scalar(text("SELECT pg_backend_pid()")) if url.startswith("postgresql") else None
        db.session.commit()
        started, cpu, db_cpu = time.perf_counter(), time.process_time(), _backend_cpu(backend)
        plan = apply_import(path, os.path.basename(path))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        db_cpu = _backend_cpu(backend) - db_cpu
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds of the import too (this process's; a PostgreSQL server's own work is not in them): on a
    # shared machine the wall clock also counts other people's work. load: the 1-minute load average after.
    print(json.dumps({"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "db_cpu_s": round(db_cpu, 2),
                      "peak_mb": round(usage.ru_maxrss / 1024, 1), "load": os.getloadavg()[0], **plan.counts()}))


def parse_only(path: str) -> None:
    """Only read the file's rows, as every import does first, and print the seconds."""
    from crm.imports import parsing

    app = common.app_for("sqlite://")
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        rows = sum(1 for _row in parsing.read_table(path, os.path.basename(path)))
        print(json.dumps({"parse_s": round(time.perf_counter() - started, 2),
                          "parse_cpu_s": round(time.process_time() - cpu, 2), "rows": rows}))


def _parse_seconds(path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--parse", path], capture_output=True, text=True,
                         check=True).stdout
    found = json.loads(out.strip().splitlines()[-1])
    return {"parse_s": found["parse_s"], "parse_cpu_s": found["parse_cpu_s"]}


def _import(url: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", url, path], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _footprint(url: str) -> tuple:
    """What an unchanged re-import must not move: row counts and the newest update stamp."""
    app = common.app_for(url)
    with app.app_context():
        return (db.session.scalar(select(func.count(Merchant.id))), db.session.scalar(select(func.count(AuditEvent.id))),
                db.session.scalar(select(func.max(Merchant.updated_at))))


def _with_changes(url: str, rows: int) -> None:
    """Touch some merchants so the next import has updates too (status changes get flagged)."""
    app = common.app_for(url)
    with app.app_context():
        ids = db.session.scalars(select(Merchant.id).order_by(Merchant.id).limit(rows)).all()
        # As an edit in the app does (crm.merchants.models), the change forgets the registry row's hash.
        db.session.execute(Merchant.__table__.update().where(Merchant.id.in_(ids)).values(
            tier=None, registry_status="operating", registry_hash=None))
        db.session.commit()


def bench(engine_name: str, url: str, path: str) -> list[dict]:
    results = []
    first = _import(url, path)
    results.append({"engine": engine_name, "run": "first import", **_parse_seconds(path), **first,
                    "wrote": "-"})
    before = _footprint(url)
    again = _import(url, path)
    after = _footprint(url)
    results.append({"engine": engine_name, "run": "re-import unchanged", **_parse_seconds(path), **again,
                    "wrote": "nothing" if before == after else f"{before} -> {after}"})
    _with_changes(url, 2000)
    changed = _import(url, path)
    results.append({"engine": engine_name, "run": "re-import, 2,000 changed", **_parse_seconds(path), **changed,
                    "wrote": "-"})
    return results


def _postgres_url() -> tuple[str, callable]:
    name = "crm_bench_import"
    admin = create_engine(make_url(common.POSTGRES_SERVER + "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{common.POSTGRES_SERVER}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--file", help="Reuse a registry written by an earlier run (its path is printed).")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--parse", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.parse:
        parse_only(args.parse)
        return
    folder = tempfile.mkdtemp(prefix="bench-import-")
    path = args.file or os.path.join(folder, "registry.xlsx")
    results = []
    engines = [e for e in ("sqlite", "postgresql") if args.only in (None, e)]
    for engine_name in engines:
        if engine_name == "sqlite":
            url, cleanup = f"sqlite:///{os.path.join(folder, 'import.sqlite3')}", lambda: None
        else:
            url, cleanup = _postgres_url()
        try:
            places = build_territory(url)["places"]
            if not os.path.exists(path):
                started = time.perf_counter()
                kinds = write_registry(path, args.rows, places)
                print(f"wrote {args.rows} rows to {path} in {time.perf_counter() - started:.1f} s "
                      f"({os.path.getsize(path) / 1e6:.1f} MB); planted: {kinds}")
            results += bench(engine_name, url, path)
        finally:
            cleanup()
    common.print_table(results)


if __name__ == "__main__":
    main()
