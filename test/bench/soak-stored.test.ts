import { describe, expect, it } from 'vitest';
import { parseStored } from '../../bench/soak/stored.ts';

describe('parseStored (the API server\'s /metrics, read beside each RSS sample)', () => {
  it.each([
    {
      name: 'sums objects over resources, reads the watch history',
      text: '# HELP apiserver_storage_objects x\n# TYPE apiserver_storage_objects gauge\napiserver_storage_objects{resource="pods"} 120\napiserver_storage_objects{resource="statefulsets.apps"} 4\napiserver_storage_objects{resource="events"} 0\n# TYPE ordinal_api_watch_history_events gauge\nordinal_api_watch_history_events 8123\n',
      want: { objects: 124, history: 8123 },
    },
    { name: 'no objects gauge', text: 'ordinal_api_watch_history_events 5\n', want: undefined },
    { name: 'no history gauge', text: 'apiserver_storage_objects{resource="pods"} 1\n', want: undefined },
    { name: 'a history gauge of another name is not it', text: 'apiserver_storage_objects{resource="pods"} 1\nordinal_api_watch_history_events_total 5\n', want: undefined },
    { name: 'an error page', text: '{"kind":"Status","code":401}', want: undefined },
  ])('$name', ({ text, want }) => {
    expect(parseStored(text)).toEqual(want);
  });
});
