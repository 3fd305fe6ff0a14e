import type { FastifyInstance } from 'fastify';
import { EmailTakenError } from '../../db/repository';
import { HttpProblem } from '../../problem';
import { hashToken, newToken } from '../../tokens';
import { createUserSchema } from './schemas';

export default async function usersRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { email: string } }>('/v1/users', { schema: createUserSchema }, async (request, reply) => {
    const token = newToken();
    try {
      const user = await app.repository.createUser(request.body.email, hashToken(token));
      app.metrics.count('UsersRegistered');
      return reply.code(201).send({ ...user, token });
    } catch (error) {
      if (error instanceof EmailTakenError) throw new HttpProblem(409, 'This e-mail address is already registered.');
      throw error;
    }
  });
}
