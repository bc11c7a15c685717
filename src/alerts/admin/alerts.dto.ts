import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class AlertIdParams {
  @ApiProperty({ example: 'alrt_3kTq0vJc9x1yB2nLmQ4wZa', pattern: '^alrt_[A-Za-z0-9_-]{22}$' })
  @Matches(/^alrt_[A-Za-z0-9_-]{22}$/, { message: 'id must be an alert id (alrt_ and 22 characters)' })
  id!: string;
}
