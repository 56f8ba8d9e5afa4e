"""Administration of the caller's tenant: ingestion jobs, documents, users/keys/roles, adapters and
monitoring. Each tab shows only what the caller's role may use."""

from __future__ import annotations

import time
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from ui import state
from ui.client import ApiClient, Job, Me, Metric

client, me = state.require("users", "read")
st.title(f"Admin · tenant {me.tenant}")
ROLES = ["viewer", "analyst", "editor", "admin"]
CLASSES = ["public", "internal", "confidential"]


def jobs_tab(client: ApiClient, me: Me) -> None:
    if me.can("jobs", "write"):
        with st.form("admin.job_form"):
            c1, c2, c3 = st.columns([1, 2, 1])
            kind = c1.selectbox("Kind", ["catalog", "news"], key="admin.job_kind")
            sources = c2.text_input("Sources (comma-separated)", key="admin.job_sources",
                                    placeholder="catalog: models-dev, llm-stats, epoch, litellm; news: file names")  # fmt: skip
            label = c3.selectbox("Classification", CLASSES, key="admin.job_class")
            if st.form_submit_button("Start job"):
                names = [s.strip() for s in sources.split(",") if s.strip()]
                job = state.call(lambda: client.start_job(kind, names, label))
                if job:
                    st.success(f"Started {job.id} ({job.status}).")
    st.button("Refresh", key="admin.job_refresh", icon=":material/refresh:")
    jobs = state.call(client.jobs) or []
    if not jobs:
        st.info("No ingestion job has run in this API process.")
    for job in jobs:
        with st.expander(
            f"{job.id} · {job.kind} · **{job.status}** · {job.created_at[:19]} · {job.started_by}"
        ):
            if job.error:
                st.error(job.error)
            summary = job.summary or {}
            by_reason = summary.get("quarantined_by_reason") or {}
            if by_reason:
                st.markdown(
                    f"**Quarantined rows: {summary.get('quarantined', 0)}** (kept in the graph with their reason)"
                )
                st.dataframe(
                    pd.DataFrame(sorted(by_reason.items()), columns=["reason", "rows"]), hide_index=True
                )
                if me.can("quarantine", "read") and job.finished_at:
                    quarantined_rows(client, job)
            st.json(summary, expanded=False)


def quarantined_rows(client: ApiClient, job: Job) -> None:
    """The job's own rows: those its run (between its start and end) last saw."""
    page = state.call(
        lambda: client.quarantine(job.kind, since=job.created_at, until=job.finished_at, limit=200)
    )
    if page is None:
        return
    st.dataframe(
        pd.DataFrame([r.model_dump(include={"source", "key", "reason"}) for r in page.items],
                     columns=["source", "key", "reason"]),
        hide_index=True, key=f"admin.quarantine.{job.id}",
    )  # fmt: skip
    if page.total > len(page.items):
        st.caption(f"First {len(page.items)} of {page.total} rows.")


def documents_tab(client: ApiClient, me: Me) -> None:
    if me.can("documents", "write"):
        with st.form("admin.doc_form", clear_on_submit=True):
            title = st.text_input("Title", key="admin.doc_title")
            upload = st.file_uploader("Text or Markdown file", type=["txt", "md"], key="admin.doc_file")
            text = st.text_area("…or paste the text", key="admin.doc_text")
            label = st.selectbox("Classification", CLASSES, index=1, key="admin.doc_class")
            if st.form_submit_button("Upload"):
                body = upload.getvalue().decode("utf-8", "replace") if upload else text
                if not title.strip() or not body.strip():
                    st.warning("A document needs a title and some text.")
                else:
                    doc = state.call(lambda: client.upload_document(title.strip(), body, label))
                    if doc:
                        st.success(f"Stored {doc.id} ({doc.chunks} chunks), {doc.classification}.")
    docs = state.call(client.documents) or []
    st.dataframe(pd.DataFrame([d.model_dump() for d in docs]), hide_index=True)
    if docs and me.can("documents", "write"):
        c1, c2 = st.columns([3, 1])
        doomed = c1.selectbox("Delete a document", [d.id for d in docs], index=None, key="admin.doc_delete",
                              format_func=lambda i: next(f"{d.title} ({i})" for d in docs if d.id == i))  # fmt: skip
        if c2.button("Delete", key="admin.doc_delete_btn", disabled=doomed is None) and doomed:
            if state.call(lambda: client.delete_document(doomed)) is None:
                pass
            st.rerun()


def users_tab(client: ApiClient, me: Me) -> None:
    users = state.call(client.users) or []
    st.dataframe(pd.DataFrame([u.model_dump() for u in users]), hide_index=True)
    if me.can("users", "write"):
        c1, c2 = st.columns(2)
        with c1, st.form("admin.user_form", clear_on_submit=True):
            st.markdown("**New user**")
            name = st.text_input("Name", key="admin.user_name")
            role = st.selectbox("Role", ROLES, key="admin.user_role")
            if st.form_submit_button("Create user") and name.strip():
                user = state.call(lambda: client.create_user(name.strip(), role))
                if user:
                    st.success(f"Created {user.name} ({user.role}).")
        with c2, st.form("admin.role_form"):
            st.markdown("**Change a user**")
            who = st.selectbox("User", [u.id for u in users], key="admin.role_user",
                               format_func=lambda i: next(u.name for u in users if u.id == i))  # fmt: skip
            new_role = st.selectbox("Role", ROLES, key="admin.role_new")
            active = st.checkbox("Active", value=True, key="admin.role_active")
            if st.form_submit_button("Save") and who is not None:
                user = state.call(lambda: client.update_user(who, role=new_role, active=active))
                if user is not None:
                    st.success(
                        f"Saved: {user.name} is {user.role}, {'active' if user.active else 'inactive'}."
                    )
        with st.form("admin.key_form"):
            st.markdown("**New API key** (the token is shown once)")
            k1, k2, k3 = st.columns(3)
            owner = k1.selectbox("For", [u.id for u in users], key="admin.key_user",
                                 format_func=lambda i: next(u.name for u in users if u.id == i))  # fmt: skip
            ttl = k2.number_input("Days valid", 1, 3650, 90, key="admin.key_ttl")
            label = k3.text_input("Label", key="admin.key_label")
            if st.form_submit_button("Create key") and owner:
                new = state.call(lambda: client.create_key(owner, int(ttl), label))
                if new:
                    st.success("Copy this key now; it is not shown again.")
                    st.code(new.token, language=None)
    keys = state.call(client.keys) or []
    st.markdown("**Keys**")
    st.dataframe(pd.DataFrame([k.model_dump() for k in keys]), hide_index=True)
    live = [k.id for k in keys if not k.revoked]
    if live and me.can("users", "write"):
        c1, c2 = st.columns([3, 1])
        doomed = c1.selectbox("Revoke a key", live, index=None, key="admin.key_revoke",
                              format_func=lambda i: next(f"{k.prefix}… ({k.label or 'no label'})" for k in keys if k.id == i))  # fmt: skip
        if c2.button("Revoke", key="admin.key_revoke_btn", disabled=doomed is None) and doomed:
            state.call(lambda: client.revoke_key(doomed))
            st.rerun()
    if me.can("policies", "read"):
        st.markdown(
            "**Policy rules in force** (`p`: role, tenant, resource, action · `g`: role, parent, tenant)"
        )
        rules = state.call(client.policies) or []
        columns = ["kind", "role", "tenant / parent", "resource / tenant", "action"]
        st.dataframe(pd.DataFrame([(r + [""] * 5)[:5] for r in rules], columns=columns), hide_index=True)


def adapters_tab(client: ApiClient, me: Me) -> None:
    adapters = state.call(client.adapters) or []
    if not adapters:
        st.info("No fine-tuned adapter is registered yet.")
    for a in adapters:
        c1, c2 = st.columns([4, 1])
        c1.markdown(
            f"**{a.name}** · {a.peft_type or '?'} on `{a.base_model or '?'}`"
            + (" · ✅ active" if a.active else "")
        )
        with c1.expander("Evaluation report"):
            adapter_report(client, a.name, me)
        if (
            me.can("adapters", "activate")
            and not a.active
            and c2.button("Activate", key=f"admin.adapter.{a.name}")
        ):
            state.call(lambda name=a.name: client.activate_adapter(name))  # type: ignore[misc]
            st.rerun()


def adapter_report(client: ApiClient, name: str, me: Me) -> None:
    if not me.can("adapters", "activate"):
        st.caption("Only admins read evaluation reports.")
        return
    report = state.call(lambda: client.adapter_report(name))
    if report is None:
        return
    if report.report_md:
        st.markdown(report.report_md)
    if report.report:
        st.json(report.report, expanded=not report.report_md)
    if not report.report_md and not report.report:
        st.info("This adapter has no evaluation report.")


def quality_over_time(client: ApiClient) -> None:
    quality = state.call(client.quality)
    if quality is None:
        return
    st.markdown("**Answer quality over time** (answer log and thumbs, per UTC day)")
    if quality.retrain:
        st.warning("The monitor says retrain: " + "; ".join(quality.reasons))
    if not quality.days:
        st.info("No answer has been logged yet.")
        return
    days = pd.DataFrame([d.model_dump() for d in quality.days]).assign(day=lambda f: pd.to_datetime(f["day"]))
    rates = days.melt(id_vars="day", value_vars=["grounding_pass", "citation_rate", "refusal_rate"],
                      var_name="indicator", value_name="rate").dropna()  # fmt: skip
    if not rates.empty:
        st.altair_chart(
            alt.Chart(rates, title="Grounding pass, citation and refusal rates").mark_line(point=True).encode(
                x=alt.X("day:T", title=None), y=alt.Y("rate:Q", scale=alt.Scale(domain=[0, 1])),
                color="indicator:N", tooltip=["day:T", "indicator", "rate"],
            ),
            width="stretch",
        )  # fmt: skip
    st.dataframe(
        days[["day", "answers", "grounding_pass", "citation_rate", "refusal_rate", "latency_p50_ms",
              "thumbs_up", "thumbs_down"]],
        hide_index=True, key="admin.quality",
        column_config={"day": st.column_config.DateColumn("day")},
    )  # fmt: skip


def monitoring_tab(client: ApiClient) -> None:
    st.button("Refresh", key="admin.metrics_refresh", icon=":material/refresh:")
    samples = state.call(client.metrics)
    if samples is None:
        return
    snapshots: list[dict[str, float]] = st.session_state.setdefault("admin.snapshots", [])
    totals = _totals(samples)
    snapshots.append({"t": time.time(), **totals})
    c = st.columns(5)
    c[0].metric("Requests", f"{totals['requests']:.0f}")
    c[1].metric("Server errors", f"{totals['errors_5xx']:.0f}")
    c[2].metric("Mean latency", f"{totals['mean_latency_ms']:.0f} ms")
    c[3].metric("Denied", f"{totals['denied']:.0f}")
    c[4].metric("Monitor flags", f"{totals['flags']:.0f}")
    per_route = _per_route(samples)
    if not per_route.empty:
        st.altair_chart(
            alt.Chart(per_route, title="Requests and mean latency by route").mark_bar().encode(
                y=alt.Y("route:N", title=None, sort="-x"), x=alt.X("requests:Q"),
                color=alt.Color("mean_ms:Q", title="mean ms"), tooltip=["route", "requests", "mean_ms"],
            ),
            width="stretch",
        )  # fmt: skip
    flags = pd.DataFrame(
        [
            {"flag": s.labels.get("flag", "?"), "count": s.value}
            for s in samples
            if s.name == "llmx_monitor_flags_total"
        ]
    )
    if not flags.empty:
        st.altair_chart(alt.Chart(flags, title="Answer-quality and safety flags").mark_bar().encode(
            x="count:Q", y=alt.Y("flag:N", title=None)), width="stretch")  # fmt: skip
    if len(snapshots) > 1:
        drift = pd.DataFrame(snapshots).assign(t=lambda f: pd.to_datetime(f["t"], unit="s"))
        st.line_chart(drift, x="t", y=["mean_latency_ms", "flags_per_100"])
        st.caption("Drift over this session's refreshes: mean latency and flags per 100 requests.")
    quality_over_time(client)


def _totals(samples: list[Metric]) -> dict[str, float]:
    def total(name: str, keep: Callable[[Metric], bool] = lambda _: True) -> float:
        return sum((s.value for s in samples if s.name == name and keep(s)), 0.0)

    requests = total("llmx_http_requests_total")
    seconds, count = total("llmx_http_request_seconds_sum"), total("llmx_http_request_seconds_count")
    flags = total("llmx_monitor_flags_total")
    return {
        "requests": requests,
        "errors_5xx": total("llmx_http_requests_total", lambda s: s.labels.get("status", "").startswith("5")),
        "mean_latency_ms": 1000 * seconds / count if count else 0.0,
        "denied": total("llmx_authz_denied_total"),
        "flags": flags,
        "flags_per_100": 100 * flags / requests if requests else 0.0,
    }


def _per_route(samples: list[Metric]) -> pd.DataFrame:
    rows: dict[str, dict[str, float]] = {}
    for s in samples:
        route = s.labels.get("route")
        if route is None:
            continue
        row = rows.setdefault(route, {"requests": 0.0, "sum": 0.0, "count": 0.0})
        if s.name == "llmx_http_requests_total":
            row["requests"] += s.value
        elif s.name == "llmx_http_request_seconds_sum":
            row["sum"] += s.value
        elif s.name == "llmx_http_request_seconds_count":
            row["count"] += s.value
    return pd.DataFrame(
        [
            {
                "route": r,
                "requests": v["requests"],
                "mean_ms": 1000 * v["sum"] / v["count"] if v["count"] else 0.0,
            }
            for r, v in rows.items()
        ]  # fmt: skip
    )


TABS = (
    ("Jobs", ("jobs", "read"), lambda: jobs_tab(client, me)),
    ("Documents", ("documents", "read"), lambda: documents_tab(client, me)),
    ("Users, keys & roles", ("users", "read"), lambda: users_tab(client, me)),
    ("Adapters", ("adapters", "read"), lambda: adapters_tab(client, me)),
    ("Monitoring", ("metrics", "read"), lambda: monitoring_tab(client)),
)
allowed = [(title, render) for title, (res, act), render in TABS if me.can(res, act)]
for tab, (_, render) in zip(st.tabs([t for t, _ in allowed]), allowed, strict=True):
    with tab:
        render()
