// Marks on a screen's elements whose points are in unacknowledged alarm, until an operator
// acknowledges them: the element gets the class "alarm-mark" (blinking outline in
// console.css) and data-alarm-priority. An element is matched by its tag against the
// alarm's point (``point``) and the alarm's own tag.
import { onAlarms, PRIORITIES, UNACKNOWLEDGED } from "./alarm-feed.js";

const MARK = "alarm-mark";

export class AlarmMarks {
  constructor(container) {
    this.container = container;
    this.priorities = new Map(); // tag -> most urgent unacknowledged priority
    onAlarms(({ alarms, error }) => {
      if (error && !alarms.length) return;
      this.priorities = new Map();
      for (const alarm of alarms.filter((a) => UNACKNOWLEDGED.has(a.state))) {
        for (const tag of [alarm.point, alarm.tag].filter(Boolean)) {
          const known = this.priorities.get(tag);
          if (!known || PRIORITIES.indexOf(alarm.priority) < PRIORITIES.indexOf(known)) {
            this.priorities.set(tag, alarm.priority);
          }
        }
      }
      this.apply();
    });
  }

  // Mark the drawing now shown (called again after each screen change).
  apply() {
    for (const node of this.container.querySelectorAll(`.${MARK}`)) {
      if (!this.priorities.has(node.getAttribute("tag"))) {
        node.classList.remove(MARK);
        delete node.dataset.alarmPriority;
      }
    }
    for (const [tag, priority] of this.priorities) {
      for (const node of this.container.querySelectorAll(`[tag="${CSS.escape(tag)}"]`)) {
        node.classList.add(MARK);
        node.dataset.alarmPriority = priority;
      }
    }
  }
}
