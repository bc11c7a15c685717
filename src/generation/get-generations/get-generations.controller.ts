import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/http/auth';
import { DomainError } from '../../common/domain-error';
import { toGenerationView } from '../read-models/generations/generation-view';
import { GetGeneration, ListGenerations } from '../read-models/generations/generations.queries';
import { GenerationIdParams, ListGenerationsQuery } from './get-generations.dto';

@ApiTags('generations')
@ApiBearerAuth('user-jwt')
@ApiSecurity('dev-user')
@Controller('v1/generations')
export class GetGenerationsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id')
  @ApiOperation({ summary: 'One of your generations (others get 404)' })
  async one(@CurrentUser() userId: string, @Param() { id }: GenerationIdParams) {
    const row = await this.queryBus.execute(new GetGeneration(id, userId));
    if (!row) throw new DomainError('not_found', `No generation ${id}`);
    return toGenerationView(row);
  }

  @Get()
  @ApiOperation({ summary: 'Your generations, newest first, a page at a time' })
  async list(@CurrentUser() userId: string, @Query() query: ListGenerationsQuery) {
    return this.queryBus.execute(new ListGenerations(userId, query.limit ?? 20, query.cursor));
  }
}
