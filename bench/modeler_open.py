"""Opening a 500-element diagram in the BPMN editor: ``.venv/bin/python bench/modeler_open.py``.

Generates a Camunda 8 diagram of 500 elements (250 flow nodes in 10 rows, 249 sequence flows, 1 process;
service tasks carry a zeebe:taskDefinition, user tasks a zeebe:userTask), stores it through the modeler's
services in BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bizdevops_modeler; must be
migrated), serves the site with daphne, and opens the editor in headless chromium --runs times (fresh
browser context each run, so nothing is cached but the HTTP cache of static files after the first run).

Printed per run and as the median:
  ready      navigation start → diagram imported, fitted and the editor marked ready (ms)
  click      after ready: a click on a task until the selection changes (main thread free again) (ms)
  lint       after ready: until the problems panel shows its first result (lint of 500 elements) (ms)
Target: ready + click < 2000 ms.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bizdevops_modeler"

NODES = 250
PER_ROW = 25


def diagram_xml(process_id: str) -> str:
    """A connected diagram: start, 248 alternating service/user tasks, end; laid out in rows."""
    nodes, shapes, flows, edges = [], [], [], []
    for index in range(NODES):
        node_id = f"N{index}"
        x, y = 100 + (index % PER_ROW) * 150, 100 + (index // PER_ROW) * 150
        incoming = f"<bpmn:incoming>F{index - 1}</bpmn:incoming>" if index else ""
        outgoing = f"<bpmn:outgoing>F{index}</bpmn:outgoing>" if index < NODES - 1 else ""
        if index == 0:
            nodes.append(f'<bpmn:startEvent id="{node_id}" name="Start">{outgoing}</bpmn:startEvent>')
            width = height = 36
        elif index == NODES - 1:
            nodes.append(f'<bpmn:endEvent id="{node_id}" name="End">{incoming}</bpmn:endEvent>')
            width = height = 36
        elif index % 2:
            nodes.append(
                f'<bpmn:serviceTask id="{node_id}" name="Call {index}"><bpmn:extensionElements>'
                f'<zeebe:taskDefinition type="job-{index}" /></bpmn:extensionElements>{incoming}{outgoing}'
                "</bpmn:serviceTask>"
            )
            width, height = 100, 80
        else:
            nodes.append(
                f'<bpmn:userTask id="{node_id}" name="Review {index}"><bpmn:extensionElements><zeebe:userTask />'
                f"</bpmn:extensionElements>{incoming}{outgoing}</bpmn:userTask>"
            )
            width, height = 100, 80
        shapes.append(
            f'<bpmndi:BPMNShape id="{node_id}_di" bpmnElement="{node_id}">'
            f'<dc:Bounds x="{x}" y="{y}" width="{width}" height="{height}" /></bpmndi:BPMNShape>'
        )
        if index < NODES - 1:
            nx, ny = 100 + ((index + 1) % PER_ROW) * 150, 100 + ((index + 1) // PER_ROW) * 150
            flows.append(
                f'<bpmn:sequenceFlow id="F{index}" sourceRef="{node_id}" targetRef="N{index + 1}" />'
            )
            edges.append(
                f'<bpmndi:BPMNEdge id="F{index}_di" bpmnElement="F{index}">'
                f'<di:waypoint x="{x + width}" y="{y + height // 2}" /><di:waypoint x="{nx}" y="{ny + 40}" />'
                "</bpmndi:BPMNEdge>"
            )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" \
xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn" \
modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">
<bpmn:process id="{process_id}" isExecutable="true">{"".join(nodes)}{"".join(flows)}</bpmn:process>
<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="{process_id}">{"".join(shapes)}{"".join(edges)}
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizdevops.settings_test")
    import django

    django.setup()
    from django.contrib.auth.models import User

    from modeler import services

    password = "bench-modeler-pw"
    user, _ = User.objects.get_or_create(username="bench-modeler")
    user.set_password(password)
    user.save()
    project = services.create_project(name="Bench", owner=user)
    model_file = services.create_bpmn_file(project=project, name="Big", user=user)
    xml = diagram_xml(model_file.element_id)
    services.save_file_content(model_file=model_file, content=xml, user=user)
    print(f"diagram: {2 * NODES} elements, {len(xml) // 1024} KiB")  # noqa: T201

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = os.environ | {"ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": url}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bizdevops.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        rows = []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--disable-gpu"]
            )
            for run in range(args.runs):
                context = browser.new_context(base_url=base, viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.goto("/login/")
                page.fill("#id_username", user.username)
                page.fill("#id_password", password)
                page.click("button[type=submit]")
                page.wait_for_url("**/")
                page.goto(f"/modeler/files/{model_file.pk}/")
                page.wait_for_selector("body[data-editor-ready=true]", timeout=60_000)
                ready = int(page.get_attribute("body", "data-ready-at") or 0)
                click = page.evaluate(
                    """() => new Promise((resolve) => {
                      const m = window.bpmnModeler, t0 = performance.now();
                      m.get('eventBus').once('selection.changed', () => resolve(performance.now() - t0));
                      const gfx = m.get('elementRegistry').getGraphics('N3');
                      const box = gfx.getBoundingClientRect();
                      for (const type of ['mousedown', 'mouseup', 'click']) {
                        gfx.dispatchEvent(new MouseEvent(type, { bubbles: true, clientX: box.x + 5, clientY: box.y + 5 }));
                      }
                    })"""
                )
                lint = page.evaluate(
                    """() => new Promise((resolve) => {
                      const t0 = performance.now();
                      const check = () => document.querySelector('#problem-list li') ? resolve(performance.now() - t0)
                        : setTimeout(check, 10);
                      check();
                    })"""
                )
                rows.append((ready, click, lint))
                print(f"run {run + 1}: ready {ready} ms, click {click:.0f} ms, lint +{lint:.0f} ms")  # noqa: T201
                context.close()
            browser.close()
        print(  # noqa: T201
            "median: ready {:.0f} ms, click {:.0f} ms, lint +{:.0f} ms".format(
                *(statistics.median(r[i] for r in rows) for i in range(3))
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        services.delete_project(project=project)


if __name__ == "__main__":
    main()
