import { CqrsModule } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import { HealthIndicatorService } from '@nestjs/terminus';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/app-config';
import { CoreModule } from '../core.module';
import type { Database } from '../database/database';
import { HealthModule } from '../health/health.module';
import { ReadinessChecks } from '../common/readiness-checks';
import { openTestDatabase } from '../../test/support/test-app';
import { EventStore } from './event-store';
import { EventStoreModule } from './event-store.module';
import { ProjectionRegistry } from './projection-registry';
import { ProjectionRunners } from './projection-runners';
import { streamCountProjection } from '../../test/support/stream-count-projection';
import { waitUntilCaughtUp } from '../../test/support/wait-until-caught-up';

describe('EventStoreModule', () => {
  let database: Database;
  let app: TestingModule;
  const asyncCounts = streamCountProjection({ name: 'module_counts', table: 'module_counts' });
  const inlineCounts = streamCountProjection({
    name: 'module_tallies',
    kind: 'inline',
    table: 'module_tallies',
    eventTypes: ['Tallied'],
  });

  beforeAll(async () => {
    database = await openTestDatabase({ label: 'module' });
    const config = parseConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'genledger-module-')) });
    app = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CoreModule.forRoot({ config, database }),
        HealthModule,
        EventStoreModule.forRoot({
          projections: [asyncCounts, inlineCounts],
          runner: { pollIntervalMs: 50 },
          maxReadyLag: 5,
        }),
      ],
    }).compile();
    app.enableShutdownHooks();
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  async function readiness() {
    const [check] = app.get(ReadinessChecks).all();
    return check(app.get(HealthIndicatorService));
  }

  it('creates the live tables, keeps inline projections in the append transaction and runs the async ones', async () => {
    const store = app.get(EventStore);
    await store.append('tally-1', [{ type: 'Tallied', data: {} }]);
    await expect(database.query('SELECT stream_id, events FROM module_tallies')).resolves.toEqual([
      { stream_id: 'tally-1', events: 1 },
    ]);

    await store.append('count-1', [
      { type: 'Counted', data: {} },
      { type: 'Counted', data: {} },
    ]);
    const runners = app.get(ProjectionRunners);
    await waitUntilCaughtUp(runners.runner('module_counts'));
    await expect(database.query('SELECT stream_id, events FROM module_counts')).resolves.toEqual([
      { stream_id: 'count-1', events: 2 },
    ]);
    await expect(app.get(ProjectionRegistry).verify('module_counts')).resolves.toMatchObject({ matches: true });
  });

  it('reports the projections ready while they keep up, and not ready when one falls behind', async () => {
    await expect(readiness()).resolves.toMatchObject({
      projections: {
        status: 'up',
        projections: [{ projection: 'module_counts', state: 'leader', failing: false, lag: 0 }],
      },
    });
    const runner = app.get(ProjectionRunners).runner('module_counts');
    await runner.stop();
    const store = app.get(EventStore);
    for (let i = 0; i < 8; i++) await store.append(`behind-${i}`, [{ type: 'Counted', data: {} }]);
    // Lag counts events below the cluster-wide horizon of running transactions: give it a moment.
    for (let tries = 0; tries < 100 && (await readiness()).projections.status === 'up'; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect(readiness()).resolves.toMatchObject({
      projections: {
        status: 'down',
        maxLag: 5,
        projections: [{ projection: 'module_counts', state: 'stopped', lag: 6 }],
      },
    });
    runner.start();
    await waitUntilCaughtUp(runner);
    await expect(readiness()).resolves.toMatchObject({ projections: { status: 'up' } });
  });
});
